package dev.jgunicorn.metrics;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * A worker's exposition for its master: each connection to this Unix socket gets the worker's current Prometheus
 * text and is closed. It lives in the master's private run directory, so only the master reads it.
 */
public final class ScrapeSocket implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("gunicorn.error");

    private final ServerSocketChannel server;
    private final Path path;

    private ScrapeSocket(ServerSocketChannel server, Path path) {
        this.server = server;
        this.path = path;
    }

    public static ScrapeSocket serve(Path path, Supplier<String> scrape) throws IOException {
        Files.deleteIfExists(path);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        ScrapeSocket s = new ScrapeSocket(server, path);
        Thread.ofPlatform().daemon().name("jgunicorn-scrape").start(() -> {
            while (server.isOpen()) {
                try (SocketChannel client = server.accept()) {
                    client.write(ByteBuffer.wrap(scrape.get().getBytes(StandardCharsets.UTF_8)));
                } catch (IOException e) {
                    if (server.isOpen()) log.debug("scrape socket: {}", e.getMessage());
                }
            }
        });
        return s;
    }

    /** The master's side: one worker's exposition, or null when it does not answer (it is starting or leaving). */
    public static String fetch(Path path) {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            return new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // leaving anyway
        }
    }
}
