package dev.jgunicorn.conformance;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Base64;

/**
 * One case of a conformance corpus: the raw bytes a client sends and what a conforming server makes of them.
 *
 * @param expect for a valid case one entry per request on the connection ({@code method}, {@code uri_parts},
 *               {@code headers}, {@code body_base64}, ...); for an invalid one {@code {"exception", "status", ...}}
 * @param cfg    the settings the case needs that differ from the defaults, or {@code null}
 */
public record ConformanceCase(String name, boolean valid, byte[] raw, JsonNode expect, JsonNode cfg) {

    static ConformanceCase of(JsonNode json) {
        JsonNode cfg = json.get("cfg");
        return new ConformanceCase(json.get("name").asText(), json.get("kind").asText().equals("valid"),
                Base64.getDecoder().decode(json.get("raw_base64").asText()), json.get("expect"),
                cfg == null || cfg.isEmpty() ? null : cfg);
    }

    /** How many responses a conforming server sends: one per request of a valid case, one refusal otherwise. */
    int expectedResponses() {
        return valid ? expect.size() : 1;
    }

    @Override
    public String toString() {
        return name;
    }
}
