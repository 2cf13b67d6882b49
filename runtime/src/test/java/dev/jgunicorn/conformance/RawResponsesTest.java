package dev.jgunicorn.conformance;

import dev.jgunicorn.conformance.RawResponses.Response;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RawResponsesTest {

    private static List<Response> parse(String wire) {
        return RawResponses.parse(wire.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String body(Response r) {
        return new String(r.body(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void pipelinedResponsesAreSplitByContentLengthAndInterimOnesDropped() {
        List<Response> rs = parse("HTTP/1.1 100 Continue\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                + "HTTP/1.1 404 Not Found\r\ncontent-length:  4 \r\n\r\ngone");
        assertEquals(List.of(200, 404), rs.stream().map(Response::status).toList());
        assertEquals("ok", body(rs.get(0)));
        assertEquals(List.of("4"), rs.get(1).headers().get("content-length"));
        assertEquals("gone", body(rs.get(1)));
    }

    @Test
    void aChunkedBodyIsDechunkedAndItsTrailersSkipped() {
        List<Response> rs = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: v\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz");
        assertEquals(2, rs.size());
        assertEquals("abcde", body(rs.get(0)));
        assertEquals("z", body(rs.get(1)));
    }

    @Test
    void anIncompleteResponseIsLeftOutAndOneWithoutFramingRunsToTheEnd() {
        assertEquals(List.of(), parse("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort"));
        assertEquals(List.of(), parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"));
        assertEquals(List.of(), parse("not http\r\n\r\n"));
        assertEquals("to the close", body(parse("HTTP/1.0 400 Bad Request\r\n\r\nto the close").get(0)));
    }
}
