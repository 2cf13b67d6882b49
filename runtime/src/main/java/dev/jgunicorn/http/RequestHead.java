package dev.jgunicorn.http;

import java.util.List;

/**
 * A request line and header block that passed every framing check. Emitted by {@link Http1RequestDecoder}
 * and always followed by zero or more {@link BodyChunk}s and exactly one {@link BodyEnd}.
 *
 * @param method        the method token as received (upper-cased only under casefold_http_method)
 * @param uri           the request-target exactly as received
 * @param major         HTTP major version
 * @param minor         HTTP minor version
 * @param headers       header fields in wire order, duplicates kept, after header_map was applied
 * @param contentLength the Content-Length, or -1 when the body is chunked or absent
 * @param chunked       true when Transfer-Encoding ends in chunked; for HTTP/2, a body whose length was not announced
 * @param keepAlive     whether the connection may carry another request after this one
 * @param expectContinue true for an HTTP/1.1 request with {@code Expect: 100-continue}
 * @param scheme        "http", or "https" when a trusted peer's secure_scheme_headers say so
 */
public record RequestHead(String method, String uri, int major, int minor, List<Header> headers,
                          long contentLength, boolean chunked, boolean keepAlive, boolean expectContinue,
                          String scheme) {

    public String protocol() {
        return "HTTP/" + major + "." + minor;
    }

    /** True when a body follows (a positive Content-Length or chunked). */
    public boolean hasBody() {
        return chunked || contentLength > 0;
    }
}
