package dev.jgunicorn.server;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.jgunicorn.demo.Hello;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TLS from Gunicorn's certfile/keyfile settings and through the JDK's HttpsServer API, with a real TLS client. */
class TlsTest {
    @TempDir
    static Path dir;
    static Path cert;
    static Path key;
    static Path p12;

    /** A self-signed certificate for 127.0.0.1, made with the openssl command line. */
    @BeforeAll
    static void certificate() throws Exception {
        selfSigned(dir);
        cert = dir.resolve("cert.pem");
        key = dir.resolve("key.pem");
        p12 = dir.resolve("server.p12");
        run("openssl", "pkcs12", "-export", "-in", cert.toString(), "-inkey", key.toString(), "-out", p12.toString(),
                "-passout", "pass:secret", "-name", "server");
    }

    /** Writes cert.pem and key.pem, a self-signed certificate for 127.0.0.1 and its key, into {@code dir}. */
    static void selfSigned(Path dir) throws Exception {
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.resolve("key.pem").toString(),
                "-out", dir.resolve("cert.pem").toString(), "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1");
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed:\n" + out);
    }

    /** A client that trusts exactly our certificate. */
    private static HttpClient client() throws Exception {
        return client(null);
    }

    /** ... and presents the keys of {@code keys} as its client certificate, when given. */
    private static HttpClient client(KeyManagerFactory keys) throws Exception {
        return HttpClient.newBuilder().sslContext(clientContext(cert, keys)).version(HttpClient.Version.HTTP_1_1).build();
    }

    /** A client's TLS context that trusts exactly {@code cert} and presents {@code keys}, when given. */
    static SSLContext clientContext(Path cert, KeyManagerFactory keys) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(cert)) {
            trust.setCertificateEntry("server", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keys == null ? null : keys.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    @Test
    void certfileAndKeyfileServeHttps() throws Exception {
        Tls tls = Tls.fromFiles(dir, "cert.pem", "key.pem", null, 0, null, List.of());
        try (TestServer s = new TestServer(TestServer.options(WorkerModel.GTHREAD), ex -> {
            String scheme = ex instanceof HttpsExchange h ? "https " + h.getSSLSession().getProtocol() : "http";
            byte[] b = scheme.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        }, tls)) {
            HttpResponse<String> r = client().send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + s.port + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(r.body().startsWith("https TLSv1."), r.body());
            // a plain-HTTP client gets no answer it could mistake for one
            String plain = s.raw("GET / HTTP/1.1\r\nHost: x\r\n\r\n", java.time.Duration.ofSeconds(2));
            assertTrue(!plain.startsWith("HTTP/1.1 200"), plain);
        }
    }

    @Test
    void missingKeyFileIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tls.fromFiles(dir, "cert.pem", "nope.pem", null, 0, null, List.of()));
        assertTrue(e.getMessage().contains("keyfile nope.pem does not exist"), e.getMessage());
    }

    /** cert_reqs 2 with ca_certs: a client without a certificate gets no answer, one with a trusted certificate does. */
    @Test
    void requiredClientCertificateRefusesAnonymousClients() throws Exception {
        Tls tls = Tls.fromFiles(dir, "cert.pem", "key.pem", "cert.pem", 2, null, List.of());
        try (TestServer s = new TestServer(TestServer.options(WorkerModel.GTHREAD), new Hello(), tls)) {
            URI u = URI.create("https://127.0.0.1:" + s.port + "/");
            assertThrows(IOException.class, () -> client(null).send(HttpRequest.newBuilder(u).build(), HttpResponse.BodyHandlers.ofString()));
            HttpResponse<String> ok = client(serverKeys()).send(HttpRequest.newBuilder(u).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("Hello, World!", ok.body());
        }
    }

    private static KeyManagerFactory serverKeys() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(p12.toFile())) {
            ks.load(in, "secret".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "secret".toCharArray());
        return kmf;
    }

    @Test
    void httpsServerCreateUsesTheConfiguratorAndGivesHttpsExchanges() throws Exception {
        SSLContext serverCtx = SSLContext.getInstance("TLS");
        serverCtx.init(serverKeys().getKeyManagers(), null, null);

        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        assertInstanceOf(JgunicornHttpsServer.class, server);
        AtomicBoolean configured = new AtomicBoolean();
        server.setHttpsConfigurator(new HttpsConfigurator(serverCtx) {
            @Override
            public void configure(HttpsParameters params) {
                configured.set(true);
                params.setProtocols(new String[]{"TLSv1.2"});
            }
        });
        server.createContext("/", ex -> {
            byte[] b = (ex instanceof HttpsExchange h ? h.getSSLSession().getProtocol() : "plain").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        try {
            HttpResponse<String> r = client().send(HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("TLSv1.2", r.body(), "the protocols set in configure() apply");
            assertTrue(configured.get());
        } finally {
            server.stop(0);
        }
    }
}
