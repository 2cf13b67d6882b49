package dev.jgunicorn.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jgunicorn.conformance.RawResponses.Response;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kit's grading rules, each on answers made up for it. */
class ConformanceKitRulesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Response answer(int status, String body) {
        return new Response(status, Map.of(), body.getBytes(UTF_8));
    }

    private static String validVerdict(JsonNode want, String echo) {
        return ConformanceKit.gradeValid(want, List.of(answer(200, echo)));
    }

    @Test
    void pathsCompareAfterPercentDecodingWithTheEchoedOneAsUtf8OrLatin1() {
        assertTrue(ConformanceKit.samePath("/a%20b", "/a b"));
        assertTrue(ConformanceKit.samePath("/a b", "/a%20b"));
        // the corpus holds the Latin-1 text of the wire bytes: C3 A0 is U+00E0 in UTF-8
        assertTrue(ConformanceKit.samePath("/\u00c3\u00a0", "/\u00e0"));
        assertTrue(ConformanceKit.samePath("/\u00e0", "/%E0"));
        assertTrue(ConformanceKit.samePath("/%zz%4", "/%zz%4"));
        assertFalse(ConformanceKit.samePath("/a", "/b"));
    }

    @Test
    void aValidCaseNeedsOneEchoPerRequestWithItsMethodPathQueryBodyAndHeaders() throws Exception {
        JsonNode want = JSON.readTree("""
                [{"method": "GET", "uri_parts": {"path": "/p", "query": "q=1"}, "body_base64": "",
                  "headers": [["HOST", "h"], ["X_DROPPED", "1"], ["ACCEPT", "b"]]}]""");
        String echo = """
                {"method": "GET", "path": "/p", "query": "q=1", "body_base64": "",
                 "headers": [["Host", " h "], ["Accept", "a,b"]]}""";
        assertNull(validVerdict(want, echo));
        assertEquals("expected 1 response(s), got 0 []", ConformanceKit.gradeValid(want, List.of()));
        assertEquals("request 0: status 400, expected 200", ConformanceKit.gradeValid(want, List.of(answer(400, ""))));
        assertEquals("request 0: body is not echo JSON: b'nope'", validVerdict(want, "nope"));
        assertEquals("request 0: method 'POST' != 'GET'", validVerdict(want, echo.replace("\"GET\"", "\"POST\"")));
        assertEquals("request 0: query 'q=2' != 'q=1'", validVerdict(want, echo.replace("q=1", "q=2")));
        assertEquals("request 0: body differs (2 bytes received by the app)",
                validVerdict(want, echo.replace("\"body_base64\": \"\"", "\"body_base64\": \"aGk=\"")));
        assertEquals("request 0: header ACCEPT: 'b' not in ['x']", validVerdict(want, echo.replace("a,b", "x")));
    }

    @Test
    void anInvalidCasePassesWhenRefusedAndFailsWhenAcceptedOrLeftHanging() throws Exception {
        JsonNode answered = JSON.readTree("{\"status\": 400}"), unanswered = JSON.readTree("{\"status\": null}");
        assertNull(ConformanceKit.gradeInvalid(answered, List.of(answer(400, "")), false));
        assertNull(ConformanceKit.gradeInvalid(answered, List.of(answer(505, "")), false));
        assertNull(ConformanceKit.gradeInvalid(answered, List.of(), true));
        assertNull(ConformanceKit.gradeInvalid(unanswered, List.of(), false));
        assertEquals("no answer and connection left open", ConformanceKit.gradeInvalid(answered, List.of(), false));
        assertEquals("answered 500", ConformanceKit.gradeInvalid(answered, List.of(answer(500, "")), true));
        assertEquals("accepted: answered [400, 200]",
                ConformanceKit.gradeInvalid(answered, List.of(answer(400, ""), answer(200, "")), true));
    }

    @Test
    void aBodyShorterThanItsContentLengthIsTruncated() {
        assertTrue(truncated("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"));
        assertFalse(truncated("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"));
        assertFalse(truncated("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
    }

    private static boolean truncated(String request) {
        return ConformanceKit.truncatedBody(request.getBytes(ISO_8859_1));
    }
}
