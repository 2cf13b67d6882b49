package dev.jgunicorn.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jgunicorn.conformance.ConformanceCase;
import dev.jgunicorn.conformance.ConformanceKit;
import dev.jgunicorn.conformance.GunicornRequests;
import dev.jgunicorn.demo.Echo;
import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.Setting;
import dev.jgunicorn.settings.Settings;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Gunicorn's own parser tests, replayed over a real socket against the Echo demo and graded by the conformance
 * kit: every default-settings case passes in every worker model, and the cases with settings pass on a worker
 * started with those settings. Each case is a test of its own, named after it.
 */
class ConformanceKitTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final List<ConformanceCase> CORPUS = GunicornRequests.cases();
    private static final List<String> PIPELINED = List.of("valid/018", "valid/022", "valid/023");

    /** What a case's verdict must be: {@code why} is null for a pass. */
    private interface Expectation {
        void check(ConformanceCase c, String why);
    }

    private static final Expectation PASSES = (c, why) -> assertNull(why, c.name());

    /** The kit grades 112 cases with default settings, skips one with a truncated body, and 24 need settings. */
    @Test
    void theCorpusHas112DefaultSettingsCasesAnd24WithSettings() {
        assertEquals(137, CORPUS.size());
        assertEquals(112, CORPUS.stream().filter(c -> ConformanceKit.skipReason(c, false) == null).count());
        assertEquals(List.of("valid/099"), CORPUS.stream()
                .filter(c -> c.cfg() == null && ConformanceKit.skipReason(c, false) != null)
                .map(ConformanceCase::name).toList());
        assertEquals(24, CORPUS.stream()
                .filter(c -> c.cfg() != null && ConformanceKit.skipReason(c, true) == null).count());
    }

    @TestFactory
    Stream<DynamicContainer> everyDefaultSettingsCasePasses() {
        return Stream.of(WorkerModel.GTHREAD, WorkerModel.VIRTUAL, WorkerModel.EVENTLOOP)
                .map(model -> dynamicContainer(model.name().toLowerCase(Locale.ROOT), graded(defaultSettingsCases(),
                        () -> new TestServer(TestServer.options(model), new Echo()), PASSES)));
    }

    /**
     * The sync worker answers one request per connection and closes, as Gunicorn's sync worker does, so of the
     * three pipelined cases only the first request is answered; everything else passes.
     */
    @TestFactory
    Stream<DynamicTest> syncPassesAllButThePipelinedCasesWhichGetOneAnswer() {
        return graded(defaultSettingsCases(), () -> new TestServer(TestServer.options(WorkerModel.SYNC), new Echo()),
                (c, why) -> {
                    if (!PIPELINED.contains(c.name())) PASSES.check(c, why);
                    else assertEquals("expected 2 response(s), got 1 [200]", why, c.name());
                });
    }

    /** Cases with a non-default cfg: a server with the matching settings for each group of them. */
    @TestFactory
    Stream<DynamicContainer> casesWithSettingsPassWithThoseSettings() {
        Map<String, List<ConformanceCase>> groups = new LinkedHashMap<>();
        for (ConformanceCase c : CORPUS) {
            if (c.cfg() != null) groups.computeIfAbsent(c.cfg().toString(), k -> new ArrayList<>()).add(c);
        }
        return groups.values().stream().map(cases -> {
            JsonNode cfg = cases.get(0).cfg();
            return dynamicContainer(cfg.toString(), graded(cases, () -> serverWith(cfg), PASSES));
        });
    }

    private static List<ConformanceCase> defaultSettingsCases() {
        return CORPUS.stream().filter(c -> c.cfg() == null).toList();
    }

    /**
     * One test per case, graded against a server that the first graded case starts and that is stopped when the
     * last has run (JUnit closes the stream); a case the kit skips is reported as skipped, with the kit's reason.
     */
    private static Stream<DynamicTest> graded(List<ConformanceCase> cases, Callable<TestServer> start,
                                              Expectation expectation) {
        TestServer[] server = new TestServer[1];
        return cases.stream().map(c -> dynamicTest(c.name(), () -> {
            String skip = ConformanceKit.skipReason(c, true);
            if (skip != null) abort(skip);
            if (server[0] == null) server[0] = start.call();
            expectation.check(c, ConformanceKit.grade("127.0.0.1", server[0].port, c));
        })).onClose(() -> {
            if (server[0] != null) server[0].close();
        });
    }

    /** A gthread server with the case's settings, given by their Gunicorn names and values as Gunicorn stores them. */
    private static TestServer serverWith(JsonNode cfg) throws Exception {
        Config config = TestServer.config(WorkerModel.GTHREAD).with(Settings.THREADS, 4);
        for (var field : cfg.properties()) {
            if (field.getKey().equals("proxy_protocol")) continue; // the server's PROXY handler, set below
            Setting<?> setting = Settings.byName(field.getKey()).orElseThrow();
            config = config.with(setting, JSON.convertValue(field.getValue(), Object.class));
        }
        TestServer s = new TestServer(ServerOptions.from(config), new Echo());
        if (cfg.has("proxy_protocol")) {
            s.server.worker().setProxyProtocol(cfg.get("proxy_protocol").asText(), List.of("127.0.0.1"));
        }
        return s;
    }
}
