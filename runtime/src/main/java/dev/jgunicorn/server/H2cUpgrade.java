package dev.jgunicorn.server;

import dev.jgunicorn.http.Header;
import dev.jgunicorn.http.RequestHead;
import io.netty.handler.codec.http2.Http2Settings;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/** What an HTTP/1.1 request asking for {@code Upgrade: h2c} carries (RFC 7540 §3.2), checked as Gunicorn does. */
final class H2cUpgrade {
    private H2cUpgrade() {
    }

    /**
     * The client's settings from HTTP2-Settings, or null unless this is a well-formed upgrade: Upgrade names h2c,
     * exactly one HTTP2-Settings, Connection names both, and the settings decode.
     */
    static Http2Settings settings(RequestHead head) {
        String upgrade = null, connection = "", payload = null;
        int payloads = 0;
        for (Header h : head.headers()) {
            if (h.name().equalsIgnoreCase("Upgrade")) upgrade = h.value().strip().toLowerCase(Locale.ROOT);
            else if (h.name().equalsIgnoreCase("Connection")) connection += "," + h.value().toLowerCase(Locale.ROOT);
            else if (h.name().equalsIgnoreCase("HTTP2-Settings")) {
                payload = h.value().strip();
                payloads++;
            }
        }
        if (!"h2c".equals(upgrade) || payloads != 1 || !Exchange.containsToken(connection, "upgrade")
                || !Exchange.containsToken(connection, "http2-settings")) {
            return null;
        }
        return decode(payload);
    }

    /** The base64url SETTINGS payload (RFC 7540 §3.2.1), or null when it is not one. */
    private static Http2Settings decode(String payload) {
        byte[] b;
        try {
            b = Base64.getUrlDecoder().decode(payload);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (b.length % 6 != 0) return null;
        Http2Settings s = new Http2Settings();
        try {
            for (int i = 0; i < b.length; i += 6) {
                char id = (char) (((b[i] & 0xff) << 8) | (b[i + 1] & 0xff));
                long value = ((b[i + 2] & 0xffL) << 24) | ((b[i + 3] & 0xff) << 16) | ((b[i + 4] & 0xff) << 8) | (b[i + 5] & 0xff);
                if (id >= 1 && id <= 6) s.put(id, Long.valueOf(value)); // unknown settings are ignored (RFC 9113 §6.5.2)
            }
        } catch (IllegalArgumentException outOfRange) {
            return null;
        }
        return s;
    }

    /** The upgrade request as stream 1 sees it: answered over HTTP/2, without the fields that asked for it. */
    static RequestHead asHttp2(RequestHead head) {
        List<Header> fields = new ArrayList<>(head.headers().size());
        for (Header h : head.headers()) {
            String n = h.name();
            if (!n.equalsIgnoreCase("Upgrade") && !n.equalsIgnoreCase("Connection") && !n.equalsIgnoreCase("HTTP2-Settings")) {
                fields.add(h);
            }
        }
        return new RequestHead(head.method(), head.uri(), 2, 0, fields, 0, false, true, false, head.scheme());
    }
}
