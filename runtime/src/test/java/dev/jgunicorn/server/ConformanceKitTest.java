package dev.jgunicorn.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.jgunicorn.demo.Echo;
import dev.jgunicorn.http.ParserConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the shared HTTP/1 conformance kit (Gunicorn's own parser tests) against the Echo demo on a real socket.
 * Every default-settings case must pass, in every worker model; the cfg cases pass with matching settings.
 */
class ConformanceKitTest {
    static final Path SHARED = Path.of(System.getProperty("jgunicorn.repo", ".")).toAbsolutePath().normalize()
            .resolveSibling("shared").resolve("conformance");
    static final Path CASES = SHARED.resolve("gunicorn-requests/cases.json");

    @ParameterizedTest
    @EnumSource(value = WorkerModel.class, names = {"GTHREAD", "VIRTUAL", "EVENTLOOP"})
    void everyDefaultSettingsCasePasses(WorkerModel model, @TempDir Path tmp) throws Exception {
        try (TestServer s = new TestServer(TestServer.options(model), new Echo())) {
            Kit r = runKit(s.port, CASES, false, tmp);
            assertEquals(0, r.failed, r.output);
            assertEquals(112, r.passed, r.output);
        }
    }

    /**
     * The sync worker answers one request per connection and closes, as Gunicorn's sync worker does, so of the
     * three pipelined cases only the first request is answered; everything else passes.
     */
    @Test
    void syncPassesAllButThePipelinedCasesWhichGetOneAnswer(@TempDir Path tmp) throws Exception {
        try (TestServer s = new TestServer(TestServer.options(WorkerModel.SYNC), new Echo())) {
            Kit r = runKit(s.port, CASES, false, tmp);
            assertEquals(109, r.passed, r.output);
            assertEquals(3, r.failed, r.output);
            for (String pipelined : List.of("valid/018", "valid/022", "valid/023")) {
                assertTrue(r.output.contains("FAIL " + pipelined + ": expected 2 response(s), got 1 [200]"), r.output);
            }
        }
    }

    /** Cases with a non-default cfg: start a server with the matching settings for each group. */
    @Test
    void casesWithSettingsPassWithThoseSettings(@TempDir Path tmp) throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode all = json.readTree(CASES.toFile());
        Map<String, ArrayNode> groups = new TreeMap<>();
        Map<String, JsonNode> cfgOf = new TreeMap<>();
        for (JsonNode c : all) {
            if (!c.has("cfg")) continue;
            String key = c.get("cfg").toString();
            groups.computeIfAbsent(key, k -> json.createArrayNode()).add(c);
            cfgOf.put(key, c.get("cfg"));
        }
        int graded = 0;
        List<String> failures = new ArrayList<>();
        for (var g : groups.entrySet()) {
            ParserConfig p = apply(ParserConfig.defaults(), cfgOf.get(g.getKey()));
            ServerOptions o = ServerOptions.defaults();
            o = new ServerOptions(WorkerModel.GTHREAD, 4, o.workerConnections(), o.keepAlive(), o.headerTimeout(),
                    o.timeout(), o.gracefulTimeout(), o.backlog(), p, null, 0);
            Path file = tmp.resolve("group" + graded + ".json");
            json.writeValue(file.toFile(), g.getValue());
            try (TestServer s = new TestServer(o, new Echo())) {
                JsonNode cfg = cfgOf.get(g.getKey());
                if (cfg.has("proxy_protocol")) s.server.worker().setProxyProtocol(cfg.get("proxy_protocol").asText(), List.of("127.0.0.1"));
                Kit r = runKit(s.port, file, true, tmp);
                graded += r.passed + r.failed;
                if (r.failed > 0) failures.add(g.getKey() + ":\n" + r.output);
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertEquals(24, graded, "every cfg case is graded");
    }

    static ParserConfig apply(ParserConfig d, JsonNode cfg) {
        int line = cfg.has("limit_request_line") ? cfg.get("limit_request_line").asInt() : d.limitRequestLine();
        int fields = cfg.has("limit_request_fields") ? cfg.get("limit_request_fields").asInt() : d.limitRequestFields();
        int size = cfg.has("limit_request_field_size") ? cfg.get("limit_request_field_size").asInt() : d.limitRequestFieldSize();
        List<String> allow = d.forwardedAllowIps();
        if (cfg.has("forwarded_allow_ips")) {
            allow = new ArrayList<>();
            for (JsonNode n : cfg.get("forwarded_allow_ips")) allow.add(n.asText());
        }
        return new ParserConfig(line, fields, size,
                cfg.path("permit_obsolete_folding").asBoolean(d.permitObsoleteFolding()),
                cfg.path("strip_header_spaces").asBoolean(d.stripHeaderSpaces()),
                cfg.path("permit_unconventional_http_method").asBoolean(d.permitUnconventionalMethod()),
                d.permitUnconventionalVersion(),
                cfg.path("casefold_http_method").asBoolean(d.casefoldMethod()),
                cfg.path("header_map").asText(d.headerMap()),
                d.forwarderHeaders(), d.secureSchemeHeaders(), allow, d.requireHost());
    }

    record Kit(int passed, int failed, String output) {
    }

    static Kit runKit(int port, Path cases, boolean withCfg, Path tmp) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("python3", SHARED.resolve("http1_conformance.py").toString(),
                "--port", Integer.toString(port), cases.toString(), "-v"));
        if (withCfg) cmd.add("--with-cfg");
        Path log = Files.createTempFile(tmp, "kit", ".txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        p.waitFor();
        String out = Files.readString(log, StandardCharsets.UTF_8);
        String last = out.strip().lines().reduce((a, b) -> b).orElse("");
        var m = java.util.regex.Pattern.compile("(\\d+) passed, (\\d+) failed").matcher(last);
        if (!m.find()) throw new AssertionError("conformance kit did not finish:\n" + out);
        return new Kit(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), out);
    }
}
