package dev.jgunicorn.server;

import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.Settings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * h2spec (summerwind/h2spec, RFC 7540/7541 conformance) against a worker, over h2c by prior knowledge and over TLS
 * with ALPN: every case passes. A failure names the case with what h2spec expected and got. h2spec is built from the Go module proxy into a cache outside the clone by
 * {@code runtime/src/test/h2spec/build-h2spec}; without Go this test fails and says so, it does not skip.
 */
class H2specTest {
    @TempDir
    static Path dir;
    static Path h2spec;

    @BeforeAll
    static void build() throws Exception {
        Path script = Path.of("src/test/h2spec/build-h2spec").toAbsolutePath();
        Process p = new ProcessBuilder(script.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            fail("h2spec could not be built (Go and the Go module proxy are needed for the HTTP/2 conformance test):\n" + out);
        }
        String[] lines = out.strip().split("\n");
        h2spec = Path.of(lines[lines.length - 1]);
        TlsTest.selfSigned(dir);
    }

    @Test
    void h2cByPriorKnowledge() throws Exception {
        Config c = Http2Test.h2c(WorkerModel.GTHREAD, "prior-knowledge");
        try (TestServer s = new TestServer(ServerOptions.from(c), Http2Test.ECHO)) {
            assertEquals(Map.of(), run(s.port, false), "h2spec cases that fail over h2c");
        }
    }

    @Test
    void tlsWithAlpn() throws Exception {
        Config c = TestServer.config(WorkerModel.GTHREAD).with(Settings.HTTP_PROTOCOLS, List.of("h2", "h1"));
        Tls tls = Tls.fromFiles(dir, "cert.pem", "key.pem", null, 0, null, Http2Options.from(c).alpn());
        try (TestServer s = new TestServer(ServerOptions.from(c), Http2Test.ECHO, tls)) {
            assertEquals(Map.of(), run(s.port, true), "h2spec cases that fail over TLS");
        }
    }

    /** Runs every h2spec case; returns the failed ones (section and description) with what h2spec expected and got. */
    private static Map<String, String> run(int port, boolean tls) throws Exception {
        Path report = Files.createTempFile(dir, "h2spec", ".xml");
        List<String> cmd = new ArrayList<>(List.of(h2spec.toString(), "-h", "127.0.0.1", "-p", Integer.toString(port),
                "-o", "2", "-j", report.toString()));
        if (tls) cmd.addAll(List.of("-t", "-k"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("h2spec.log").toFile()).start();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "h2spec did not finish");
        Map<String, String> failed = new TreeMap<>();
        NodeList cases = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(report.toFile())
                .getElementsByTagName("testcase");
        for (int i = 0; i < cases.getLength(); i++) {
            Element tc = (Element) cases.item(i);
            NodeList failures = tc.getElementsByTagName("failure");
            NodeList errors = tc.getElementsByTagName("error");
            if (failures.getLength() + errors.getLength() == 0) continue;
            Element f = (Element) (failures.getLength() > 0 ? failures.item(0) : errors.item(0));
            failed.put(tc.getAttribute("package") + " " + tc.getAttribute("classname"), f.getTextContent().strip());
        }
        assertTrue(cases.getLength() > 140, "h2spec ran " + cases.getLength() + " cases; log: "
                + Files.readString(dir.resolve("h2spec.log")));
        return failed;
    }
}
