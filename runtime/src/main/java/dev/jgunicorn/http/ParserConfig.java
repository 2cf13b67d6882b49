package dev.jgunicorn.http;

import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.Settings;

import java.util.List;
import java.util.Map;

/**
 * What the request decoder enforces, taken from the settings of the same names.
 *
 * @param limitRequestLine        max request-line length in bytes, 0 = unlimited (values >= 8190 act as 8190, as in Gunicorn)
 * @param limitRequestFields      max header fields; 0 or > 32768 act as 32768
 * @param limitRequestFieldSize   max bytes of one header line; 0 acts as 8190 (Gunicorn's parser does the same)
 * @param permitObsoleteFolding   accept obs-fold continuation lines (joined with a space)
 * @param stripHeaderSpaces       accept whitespace between a field name and the colon
 * @param permitUnconventionalMethod accept methods outside Gunicorn's conventional rules (still RFC tokens)
 * @param permitUnconventionalVersion accept HTTP versions other than 1.0 and 1.1
 * @param casefoldMethod          upper-case the method
 * @param headerMap               "drop", "refuse" or "dangerous": what to do with '_' in field names
 * @param forwarderHeaders        '_' headers kept under drop when the peer is trusted
 * @param secureSchemeHeaders     upper-case header name to the value that means https
 * @param forwardedAllowIps       peers trusted for scheme headers: IPs, CIDRs or "*"
 * @param requireHost             answer 400 to HTTP/1.1 without a Host field (RFC 9112 3.2); Gunicorn does not
 */
public record ParserConfig(int limitRequestLine, int limitRequestFields, int limitRequestFieldSize,
                           boolean permitObsoleteFolding, boolean stripHeaderSpaces,
                           boolean permitUnconventionalMethod, boolean permitUnconventionalVersion,
                           boolean casefoldMethod, String headerMap, List<String> forwarderHeaders,
                           Map<String, String> secureSchemeHeaders, List<String> forwardedAllowIps,
                           boolean requireHost) {

    /** What the settings of these names ask for. */
    public static ParserConfig from(Config c) {
        return new ParserConfig(c.get(Settings.LIMIT_REQUEST_LINE), c.get(Settings.LIMIT_REQUEST_FIELDS),
                c.get(Settings.LIMIT_REQUEST_FIELD_SIZE), c.get(Settings.PERMIT_OBSOLETE_FOLDING),
                c.get(Settings.STRIP_HEADER_SPACES), c.get(Settings.PERMIT_UNCONVENTIONAL_HTTP_METHOD),
                c.get(Settings.PERMIT_UNCONVENTIONAL_HTTP_VERSION), c.get(Settings.CASEFOLD_HTTP_METHOD),
                c.get(Settings.HEADER_MAP), c.get(Settings.FORWARDER_HEADERS), c.get(Settings.SECURE_SCHEME_HEADERS),
                c.get(Settings.FORWARDED_ALLOW_IPS), c.get(Settings.REQUIRE_HOST));
    }

    /** The settings' defaults (Gunicorn's). */
    public static ParserConfig defaults() {
        return from(Config.defaults());
    }
}
