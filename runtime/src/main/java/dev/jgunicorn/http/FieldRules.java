package dev.jgunicorn.http;

import dev.jgunicorn.proxy.TrustedPeers;

import java.net.SocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The request limits and header-field rules HTTP/1 and HTTP/2 share, from the settings, normalized the way Gunicorn's
 * Message/Request constructors do: the size limits, which peers are trusted, what secure_scheme_headers mean, and
 * header_map for names containing '_'.
 */
public final class FieldRules {
    private static final int MAX_REQUEST_LINE = 8190;           // Gunicorn clamps limit_request_line to this
    private static final int UNLIMITED_REQUEST_LINE = 1 << 20;  // limit_request_line = 0; Gunicorn's C parser uses 1 MiB
    private static final int MAX_HEADERS = 32768;
    private static final int DEFAULT_FIELD_SIZE = 8190;

    /** What header_map does with a field whose name contains '_'. */
    public enum Underscore { KEEP, DROP, REFUSE }

    private final int lineLimit;
    private final int fieldsLimit;
    private final int fieldSizeLimit;
    private final Underscore headerMap;
    private final List<String> forwarders;
    private final boolean anyForwarder;
    private final String[] schemeNames, schemeValues;
    private final TrustedPeers trustedPeers;

    public FieldRules(ParserConfig cfg) {
        int line = cfg.limitRequestLine() < 0 ? MAX_REQUEST_LINE : cfg.limitRequestLine();
        lineLimit = line == 0 ? UNLIMITED_REQUEST_LINE : Math.min(line, MAX_REQUEST_LINE);
        int nFields = cfg.limitRequestFields();
        fieldsLimit = nFields <= 0 || nFields > MAX_HEADERS ? MAX_HEADERS : nFields;
        fieldSizeLimit = cfg.limitRequestFieldSize() <= 0 ? DEFAULT_FIELD_SIZE : cfg.limitRequestFieldSize();
        String map = cfg.headerMap() == null ? "drop" : cfg.headerMap().toLowerCase(Locale.ROOT);
        headerMap = switch (map) {
            case "drop" -> Underscore.DROP;
            case "dangerous" -> Underscore.KEEP;
            default -> Underscore.REFUSE; // Gunicorn's fail-safe fallthrough
        };
        forwarders = cfg.forwarderHeaders() == null ? List.of() : List.copyOf(cfg.forwarderHeaders());
        anyForwarder = forwarders.contains("*");
        Map<String, String> secure = cfg.secureSchemeHeaders() == null ? Map.of() : cfg.secureSchemeHeaders();
        schemeNames = secure.keySet().toArray(String[]::new);
        schemeValues = new String[schemeNames.length];
        for (int i = 0; i < schemeNames.length; i++) schemeValues[i] = secure.get(schemeNames[i]);
        trustedPeers = TrustedPeers.of(cfg.forwardedAllowIps());
    }

    /** Longest request line (HTTP/1) or :path (HTTP/2) in bytes. */
    public int lineLimit() {
        return lineLimit;
    }

    /** Most header fields in one request. */
    public int fieldsLimit() {
        return fieldsLimit;
    }

    /** Longest header field (name, separator and value) in bytes. */
    public int fieldSizeLimit() {
        return fieldSizeLimit;
    }

    /**
     * Whether forwarded_allow_ips trusts this peer with scheme and forwarder headers (and with h2c). Gunicorn trusts
     * peers without an IP address (UNIX sockets; None in its test harness).
     */
    public boolean trusts(SocketAddress peer) {
        return trustedPeers.trusts(peer);
    }

    /** For one of secure_scheme_headers: "https" when its value says so, else "http"; null for other fields. */
    public String scheme(String name, String value) {
        for (int i = 0; i < schemeNames.length; i++) {
            if (name.equalsIgnoreCase(schemeNames[i])) return value.equals(schemeValues[i]) ? "https" : "http";
        }
        return null;
    }

    /**
     * What happens to a field named with '_' (X_Forwarded_For would map onto the same WSGI key as X-Forwarded-For):
     * kept when a trusted peer sends one of forwarder_headers, else as header_map says.
     */
    public Underscore underscore(String name, boolean trusted) {
        if (name.indexOf('_') < 0 || trusted && (anyForwarder || isForwarder(name))) return Underscore.KEEP;
        return headerMap;
    }

    private boolean isForwarder(String name) {
        for (String f : forwarders) {
            if (f.equalsIgnoreCase(name)) return true;
        }
        return false;
    }
}
