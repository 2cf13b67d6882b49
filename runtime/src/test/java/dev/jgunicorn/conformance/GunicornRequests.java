package dev.jgunicorn.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Gunicorn's own HTTP parser tests as a corpus of 137 cases (src/test/resources/gunicorn-requests/README.md). */
public final class GunicornRequests {

    /** The corpus file, a JSON list of cases. */
    public static final Path CASES = resource("/gunicorn-requests/cases.json");

    private GunicornRequests() {
    }

    /** Every case, in the corpus' order. */
    public static List<ConformanceCase> cases() {
        try {
            List<ConformanceCase> cases = new ArrayList<>();
            for (JsonNode c : new ObjectMapper().readTree(CASES.toFile())) cases.add(ConformanceCase.of(c));
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path resource(String name) {
        try {
            return Path.of(GunicornRequests.class.getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
