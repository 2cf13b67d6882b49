package dev.jgunicorn.worker;

import dev.jgunicorn.cli.Jgunicorn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Bodies stream both ways: 1 GiB up and 1 GiB down through a worker whose heap is 256 MiB. */
class StreamingTest {
    private static final long GIB = 1L << 30;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** 1 GiB of a repeating pattern, generated as it is read. */
    static final class Pattern extends InputStream {
        private long left;

        Pattern(long size) {
            left = size;
        }

        @Override
        public int read() {
            return left-- > 0 ? (int) (left & 0x7f) : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left <= 0) return -1;
            int n = (int) Math.min(len, left);
            for (int i = 0; i < n; i++) b[off + i] = (byte) ((left - 1 - i) & 0x7f);
            left -= n;
            return n;
        }
    }

    @Test
    void oneGibibyteUpAndDownWithA256MiBHeap(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new Pattern(GIB)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) sha.update(buf, 0, n);
        }
        String expected = HexFormat.of().formatHex(sha.digest());
        try (Jgunicorn up = new Jgunicorn(dir, Map.of(), "--jvm-arg=-Xmx256m", "-k", "gthread", "-b", "127.0.0.1:" + port,
                "dev.jgunicorn.demo.Upload")) {
            URI u = URI.create("http://127.0.0.1:" + port + "/");
            Jgunicorn.getWhenUp(client, u, Duration.ofSeconds(30), up);
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(u)
                    .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> new Pattern(GIB)), GIB))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("{\"bytes\": " + GIB + ", \"sha256\": \"" + expected + "\"}\n", r.body());
        }
        int port2 = Jgunicorn.freePort();
        try (Jgunicorn down = new Jgunicorn(dir, Map.of(), "--jvm-arg=-Xmx256m", "-k", "gthread", "-b", "127.0.0.1:" + port2,
                "dev.jgunicorn.demo.Stream")) {
            URI u = URI.create("http://127.0.0.1:" + port2 + "/?chunks=16384&size=65536");
            Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port2 + "/?chunks=1"), Duration.ofSeconds(30), down);
            HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(u).build(), HttpResponse.BodyHandlers.ofInputStream());
            long total = 0;
            try (InputStream in = r.body()) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) total += n;
            }
            assertEquals(GIB, total);
        }
    }
}
