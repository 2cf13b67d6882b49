package dev.jgunicorn.server;

import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.SettingException;
import dev.jgunicorn.settings.Settings;

import java.util.List;

/**
 * What HTTP/2 a worker offers, from Gunicorn's http_protocols and http2_* settings.
 *
 * @param protocols            "h1" and/or "h2", in order of preference (ALPN follows it)
 * @param cleartext            http2_cleartext: off, prior-knowledge, upgrade or both (trusted peers, no TLS)
 * @param maxConcurrentStreams SETTINGS_MAX_CONCURRENT_STREAMS
 * @param initialWindowSize    SETTINGS_INITIAL_WINDOW_SIZE, bytes a peer may send on a stream before we ask for more
 * @param maxFrameSize         SETTINGS_MAX_FRAME_SIZE
 * @param maxHeaderListSize    SETTINGS_MAX_HEADER_LIST_SIZE, enforced while decoding; 0 = no limit
 */
public record Http2Options(List<String> protocols, String cleartext, int maxConcurrentStreams, int initialWindowSize,
                           int maxFrameSize, int maxHeaderListSize) {

    public static Http2Options from(Config c) {
        List<String> protocols = c.get(Settings.HTTP_PROTOCOLS);
        if (protocols.contains("h3")) {
            throw new SettingException("http_protocols", "http_protocols: h3 (HTTP/3 over QUIC) is not implemented by"
                    + " jgunicorn; allowed: h1, h2");
        }
        if (protocols.isEmpty()) throw new SettingException("http_protocols", "http_protocols: name at least one of h1, h2");
        return new Http2Options(List.copyOf(protocols), c.get(Settings.HTTP2_CLEARTEXT),
                c.get(Settings.HTTP2_MAX_CONCURRENT_STREAMS), c.get(Settings.HTTP2_INITIAL_WINDOW_SIZE),
                c.get(Settings.HTTP2_MAX_FRAME_SIZE), c.get(Settings.HTTP2_MAX_HEADER_LIST_SIZE));
    }

    /** Whether h2 is offered at all. */
    public boolean enabled() {
        return protocols.contains("h2");
    }

    /** Whether HTTP/1.1 is offered over TLS (ALPN "http/1.1", and clients that do not use ALPN). */
    public boolean http1() {
        return protocols.contains("h1");
    }

    /** The ALPN names to advertise over TLS, in preference order. */
    public List<String> alpn() {
        return protocols.stream().map(p -> p.equals("h2") ? "h2" : "http/1.1").toList();
    }

    /** Cleartext peers (when trusted) may open with the HTTP/2 preface. Enabling one mechanism never enables the other. */
    boolean priorKnowledge() {
        return enabled() && (cleartext.equals("prior-knowledge") || cleartext.equals("both"));
    }

    /** Cleartext peers (when trusted) may switch with {@code Upgrade: h2c}. */
    boolean upgrade() {
        return enabled() && (cleartext.equals("upgrade") || cleartext.equals("both"));
    }

    /** A trusted peer that does not send the preface gets 400: prior knowledge is the only way in. */
    boolean prefaceRequired() {
        return enabled() && cleartext.equals("prior-knowledge");
    }
}
