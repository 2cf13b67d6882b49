package dev.jgunicorn.arbiter;

import dev.jgunicorn.process.FileMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The master's control socket (Gunicorn's {@code control_socket}, served to {@code gunicornc}; here to
 * {@code jgunicorn ctl}). One command per connection: the client writes a line, the master's loop carries it out
 * and answers {@code ok} or {@code error MESSAGE} on the first line, the output after it, then closes.
 * This class only moves bytes; the loop decides (see {@link ControlCommands}).
 */
final class ControlSocket implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("gunicorn.error");
    private static final int MAX_COMMAND = 1024;

    /** A command line from a client, and the answer the master's loop completes. */
    record Command(String line, CompletableFuture<String> reply) {
        void ok(String output) {
            reply.complete("ok\n" + output);
        }

        void error(String message) {
            reply.complete("error " + message + "\n");
        }
    }

    private final Path path;
    private final ServerSocketChannel server;
    private final FileChannel ownership;

    private ControlSocket(Path path, ServerSocketChannel server, FileChannel ownership) {
        this.path = path;
        this.server = server;
        this.ownership = ownership;
    }

    /**
     * Binds {@code path} (a stale socket file is replaced) and hands every command to {@code commands}. Returns
     * null, with a warning, when another live master answers on that path: two masters never share one socket.
     */
    static ControlSocket open(Path path, int mode, Consumer<Command> commands) throws IOException {
        Files.createDirectories(path.toAbsolutePath().getParent());
        // Checking that nothing answers and then binding is not atomic: a master that started at the same moment
        // may sit between its bind and its listen, refuse our probe, and lose its file to our delete. The lock file
        // beside the socket makes the claim atomic; the kernel drops it when its master dies, however it dies.
        FileChannel ownership = claim(path);
        if (ownership == null || answers(path)) {
            if (ownership != null) ownership.close();
            log.warn("Control socket {} is in use by another master; this one has none (set control_socket to"
                    + " give it its own)", path);
            return null;
        }
        ServerSocketChannel server;
        try {
            Files.deleteIfExists(path); // a stale file from a master that died without cleaning up
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, FileMode.permissions(mode));
        } catch (IOException e) {
            ownership.close();
            throw e;
        }
        ControlSocket socket = new ControlSocket(path, server, ownership);
        Thread.ofPlatform().daemon().name("jgunicorn-control-socket").start(() -> socket.accept(commands));
        log.info("Control socket listening at {}", path);
        return socket;
    }

    /** The lock on {@code path.lock}, or null when another live master holds it. */
    private static FileChannel claim(Path path) throws IOException {
        Path lockFile = path.resolveSibling(path.getFileName() + ".lock");
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            if (channel.tryLock() != null) return channel;
        } catch (OverlappingFileLockException e) {
            // this JVM holds it already (a second master in one process happens only in tests)
        }
        channel.close();
        return null;
    }

    /** True when something accepts connections on {@code path}. */
    static boolean answers(Path path) {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            return ch.isConnected();
        } catch (IOException e) {
            return false;
        }
    }

    private void accept(Consumer<Command> commands) {
        while (server.isOpen()) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            Thread.ofVirtual().name("jgunicorn-control-client").start(() -> serve(client, commands));
        }
    }

    private static void serve(SocketChannel client, Consumer<Command> commands) {
        try (client) {
            String line = readLine(client);
            if (line == null) return;
            Command c = new Command(line.strip(), new CompletableFuture<>());
            commands.accept(c);
            String reply;
            try {
                reply = c.reply().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                reply = "error the master did not answer within 30 s\n";
            }
            client.write(ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            log.debug("control socket client: {}", e.getMessage());
        }
    }

    private static String readLine(SocketChannel client) throws IOException {
        var in = Channels.newInputStream(client);
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (sb.length() >= MAX_COMMAND) return null;
            sb.append((char) b);
        }
        return sb.isEmpty() && b == -1 ? null : sb.toString();
    }

    Path path() {
        return path;
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // the socket file may already be gone
        }
        try {
            ownership.close(); // releases the lock; the lock file stays, so a waiting master never locks a stale inode
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
