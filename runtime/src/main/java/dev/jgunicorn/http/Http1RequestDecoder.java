package dev.jgunicorn.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ByteProcessor;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Strict HTTP/1.x request decoder that accepts and rejects exactly what Gunicorn 26.1's pure-Python parser
 * ({@code gunicorn/http/message.py}, {@code body.py}) accepts and rejects.
 *
 * <p>Output, per request: one {@link RequestHead}, zero or more {@link BodyChunk}s (the de-chunked body, emitted as
 * bytes arrive, never aggregated) and exactly one {@link BodyEnd} (with the trailers of a chunked body). On a
 * violation it emits one {@link RequestError} and discards all further input. After a request that does not keep
 * the connection alive it discards further input too, as Gunicorn's parser stops there. A clean EOF between requests
 * emits nothing; an EOF inside a request emits a {@code RequestError(400, respond=false)}.
 *
 * <p>Deliberate differences from Gunicorn: a too-long request line answers 414 (Gunicorn: 400); a well-formed
 * {@code HTTP/d.d} outside 1.x answers 505 (Gunicorn: 400); Content-Length and chunk sizes that do not fit a long,
 * and trailer sections larger than the header-buffer cap, are refused instead of waited for; a request line under
 * {@code limit_request_line = 0} is capped at 1 MiB like Gunicorn's C parser; {@code requireHost} is our own rule; a line
 * over its size limit is refused as too long before its other faults are looked at, whichever read brought its end.
 */
public final class Http1RequestDecoder extends ByteToMessageDecoder {

    private static final byte CR = '\r', LF = '\n', SP = ' ', HT = '\t';

    /** RFC 9110 5.6.2 tchar. */
    private static final boolean[] TCHAR = new boolean[256];

    static {
        for (char c = '0'; c <= '9'; c++) TCHAR[c] = true;
        for (char c = 'a'; c <= 'z'; c++) TCHAR[c] = true;
        for (char c = 'A'; c <= 'Z'; c++) TCHAR[c] = true;
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) TCHAR[c] = true;
    }

    private static final ByteProcessor IS_TCHAR = b -> TCHAR[b & 0xff];
    /** Gunicorn's default method rule on top of tchar: no lower case, no '#'. */
    private static final ByteProcessor IS_CONVENTIONAL_METHOD_CHAR =
            b -> TCHAR[b & 0xff] && (b < 'a' || b > 'z') && b != '#';
    /** RFC 9110 5.5: besides VCHAR and obs-text only SP and HTAB may appear in a field value. */
    private static final ByteProcessor IS_FIELD_CHAR = b -> (b & 0xff) >= 0x20 ? b != 0x7f : b == HT;

    private enum State {
        REQUEST_LINE, HEADERS, FIXED_BODY,
        CHUNK_SIZE, CHUNK_SIZE_BWS, CHUNK_SIZE_LF, CHUNK_EXT, CHUNK_EXT_LF, CHUNK_DATA, CHUNK_DATA_END, TRAILERS,
        CLOSED, FAILED
    }

    // ---- settings, normalized the way Gunicorn's Message/Request constructors do ----
    private final FieldRules rules;
    private final int lineLimit;
    private final int fieldsLimit;
    private final int fieldSizeLimit;
    private final long maxSectionBytes;
    private final boolean permitFolding, stripHeaderSpaces, permitMethod, permitVersion, casefoldMethod, requireHost;

    // ---- per connection ----
    private boolean peerKnown, peerTrusted;
    private String defaultScheme = "http";

    // ---- per request ----
    private State state = State.REQUEST_LINE;
    private int scanned;          // bytes of the current line (from readerIndex) already searched for its end
    private long sectionBytes;    // bytes of the header or trailer section so far, for the buffer cap
    private String method, uri;
    private int major, minor;
    private List<Header> fields;  // the header fields, later the trailer fields
    private boolean inTrailers, hostSeen, contentTypeSeen, schemeSeen, expectContinue, keepAlive;
    private String scheme;
    private String pendingName, pendingValue; // a field whose obs-fold continuation lines may still follow
    private int pendingLength;
    private boolean pendingCtl;
    private long remaining;       // bytes left of the Content-Length body or of the current chunk
    private long chunkSize;
    private boolean sawDigit;

    public Http1RequestDecoder(ParserConfig cfg) {
        rules = new FieldRules(cfg);
        lineLimit = rules.lineLimit();
        fieldsLimit = rules.fieldsLimit();
        fieldSizeLimit = rules.fieldSizeLimit();
        maxSectionBytes = (long) fieldsLimit * (fieldSizeLimit + 2L) + 4;
        permitFolding = cfg.permitObsoleteFolding();
        stripHeaderSpaces = cfg.stripHeaderSpaces();
        permitMethod = cfg.permitUnconventionalMethod();
        permitVersion = cfg.permitUnconventionalVersion();
        casefoldMethod = cfg.casefoldMethod();
        requireHost = cfg.requireHost();
    }

    /** True between requests with no byte of the next one read yet (a partial head still counts as a request). */
    public boolean betweenRequests() {
        return state == State.REQUEST_LINE && actualReadableBytes() == 0;
    }

    // ---- decoding loop ----

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            boolean more = switch (state) {
                case REQUEST_LINE -> requestLine(ctx, in, out);
                case HEADERS, TRAILERS -> fieldLine(in, out);
                case FIXED_BODY -> fixedBody(in, out);
                case CHUNK_SIZE, CHUNK_SIZE_BWS, CHUNK_SIZE_LF, CHUNK_EXT, CHUNK_EXT_LF -> chunkLine(in, out);
                case CHUNK_DATA -> chunkData(in, out);
                case CHUNK_DATA_END -> chunkDataEnd(in, out);
                case CLOSED, FAILED -> {
                    in.skipBytes(in.readableBytes());
                    yield false;
                }
            };
            if (!more) return;
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.isReadable()) decode(ctx, in, out);
        if (state == State.CLOSED || state == State.FAILED) return;
        if (state == State.REQUEST_LINE && !in.isReadable()) return; // clean EOF between requests
        // Gunicorn: NoMoreData, a premature client disconnection; nobody is left to answer
        fail(in, out, 400, "Bad Request", state == State.REQUEST_LINE
                ? "client closed before sending a complete request line"
                : "client closed in the middle of the request (" + where() + ")", false);
    }

    // ---- request line ----

    private boolean requestLine(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        int from = start + scanned;
        int lf = in.indexOf(from, end, LF);
        // the length is checked first, on the bytes before the LF, so that the answer to a too-long line does not
        // depend on whether its end arrived in the same read (the fuzz tests feed every input in pieces)
        int before = (lf < 0 ? end : lf) - start;
        int atLeast = before - (before > 0 && in.getByte(start + before - 1) == CR ? 1 : 0);
        if (atLeast > lineLimit) return lineTooLong(in, out, atLeast);
        if (lf < 0) {
            scanned = before;
            return false;
        }
        // the line ends at CRLF; an LF without its CR is refused at once, not waited on (Gunicorn 27's read_line)
        if (lf == start || in.getByte(lf - 1) != CR) {
            return badRequest(in, out, "Invalid HTTP request line: 'bare LF as line terminator'");
        }
        int cr = lf - 1;
        if (!peerKnown) initPeer(ctx);
        if (!parseRequestLine(in, out, start, cr)) return false;
        in.readerIndex(cr + 2);
        scanned = 0;
        beginSection(State.HEADERS);
        fields = new ArrayList<>();
        expectContinue = false;
        schemeSeen = false;
        scheme = defaultScheme;
        return true;
    }

    private boolean lineTooLong(ByteBuf in, List<Object> out, int len) {
        return fail(in, out, 414, "URI Too Long", "Request Line is too large (" + len + " > " + lineLimit + ")", true);
    }

    /** Gunicorn's parse_request_line: the same checks, in the same order. */
    private boolean parseRequestLine(ByteBuf in, List<Object> out, int start, int end) {
        int sp1 = in.indexOf(start, end, SP);
        int sp2 = sp1 < 0 ? -1 : in.indexOf(sp1 + 1, end, SP);
        if (sp2 < 0) return badRequest(in, out, "Invalid HTTP request line: " + repr(latin1(in, start, end)));

        int mlen = sp1 - start;
        boolean methodOk = permitMethod
                ? mlen > 0 && in.forEachByte(start, mlen, IS_TCHAR) < 0
                : mlen >= 3 && mlen <= 20 && in.forEachByte(start, mlen, IS_CONVENTIONAL_METHOD_CHAR) < 0;
        if (!methodOk) return badRequest(in, out, "Invalid HTTP method: " + repr(latin1(in, start, sp1)));
        method = latin1(in, start, sp1);
        if (casefoldMethod) method = method.toUpperCase(Locale.ROOT); // a token: ASCII only

        uri = latin1(in, sp1 + 1, sp2);
        boolean asterisk = uri.equals("*");
        if (uri.isEmpty()
                || asterisk && !method.equals("OPTIONS")
                // authority-form is for CONNECT only; origin-form starts with '/', absolute-form contains "://"
                || !method.equals("CONNECT") && !asterisk && uri.charAt(0) != '/' && !uri.contains("://")
                || !asterisk && uri.charAt(0) != '/' && PyUrlSplit.rejects(uri)) {
            return badRequest(in, out, "Invalid HTTP request line: " + repr(latin1(in, start, end)));
        }

        // exactly HTTP/<digit>.<digit>
        int v = sp2 + 1;
        if (end - v != 8 || !matchesHttpSlash(in, v) || !isDigit(in.getByte(v + 5)) || in.getByte(v + 6) != '.'
                || !isDigit(in.getByte(v + 7))) {
            return badRequest(in, out, "Invalid HTTP Version: " + repr(latin1(in, v, end)));
        }
        major = in.getByte(v + 5) - '0';
        minor = in.getByte(v + 7) - '0';
        if (major != 1 && !permitVersion) {
            return fail(in, out, 505, "HTTP Version Not Supported",
                    "Invalid HTTP Version: (" + major + ", " + minor + ")", true);
        }
        return true;
    }

    private static boolean matchesHttpSlash(ByteBuf in, int i) {
        return in.getByte(i) == 'H' && in.getByte(i + 1) == 'T' && in.getByte(i + 2) == 'T'
                && in.getByte(i + 3) == 'P' && in.getByte(i + 4) == '/';
    }

    // ---- header and trailer sections ----

    private void beginSection(State s) {
        state = s;
        inTrailers = s == State.TRAILERS;
        sectionBytes = 0;
        pendingName = null;
        hostSeen = false;
        contentTypeSeen = false;
    }

    /**
     * One field line of the header or trailer section. Lines end at CRLF (Gunicorn splits on it); a bare LF or CR
     * can only end up in a name or value, which Gunicorn refuses, so a bare LF is refused at once. A field is only
     * checked once the next line shows it has no obs-fold continuation.
     */
    private boolean fieldLine(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int lf = in.indexOf(start + scanned, in.writerIndex(), LF);
        // the size bounds come first, on the bytes before the LF: they decide the same whether or not the LF
        // arrived in the same read as the rest of the line
        int before = (lf < 0 ? in.writerIndex() : lf) - start;
        if (before > 0) {
            if (sectionBytes + before > maxSectionBytes) return tooLarge(in, out, "max buffer headers");
            byte first = in.getByte(start);
            long lineBound = before + (pendingName != null && (first == SP || first == HT) ? pendingLength : 0);
            if (lineBound > fieldSizeLimit) return tooLarge(in, out, "limit request headers fields size");
        }
        if (lf < 0) {
            scanned = before;
            return false;
        }
        scanned = 0;
        if (lf == start || in.getByte(lf - 1) != CR) {
            return badRequest(in, out, "Invalid HTTP Header: bare LF in " + (inTrailers ? "trailers" : "headers"));
        }
        int end = lf - 1;
        int len = end - start;
        sectionBytes += len + 2;
        if (len == 0) {
            in.readerIndex(lf + 1);
            if (!finishPending(in, out)) return false;
            return inTrailers ? trailersComplete(out) : headComplete(in, out);
        }
        byte first = in.getByte(start);
        boolean ok = pendingName != null && (first == SP || first == HT)
                ? continuation(in, out, start, end)
                : finishPending(in, out) && newField(in, out, start, end);
        if (!ok) return false;
        in.readerIndex(lf + 1);
        return true;
    }

    private boolean newField(ByteBuf in, List<Object> out, int start, int end) {
        if (fields.size() >= fieldsLimit) return tooLarge(in, out, "limit request headers fields");
        int colon = in.indexOf(start, end, (byte) ':');
        if (colon <= start) return badRequest(in, out, "Invalid HTTP Header: " + repr(latin1(in, start, end)));
        int nameEnd = colon;
        if (stripHeaderSpaces) {
            while (nameEnd > start && isSpTab(in.getByte(nameEnd - 1))) nameEnd--;
        }
        if (nameEnd == start || in.forEachByte(start, nameEnd - start, IS_TCHAR) >= 0) {
            return badRequest(in, out, "Invalid HTTP header name: " + repr(latin1(in, start, colon)));
        }
        String name = latin1(in, start, nameEnd);
        if (inTrailers && forbiddenInTrailers(name)) { // RFC 9110 6.5.1
            return badRequest(in, out, "Invalid HTTP header name: " + repr(upper(name)));
        }
        int vs = colon + 1;
        int ve = end;
        while (vs < ve && isSpTab(in.getByte(vs))) vs++;
        while (ve > vs && isSpTab(in.getByte(ve - 1))) ve--;
        pendingName = name;
        pendingValue = latin1(in, vs, ve);
        pendingCtl = ve > vs && in.forEachByte(vs, ve - vs, IS_FIELD_CHAR) >= 0;
        pendingLength = end - start + 2;
        return true;
    }

    private boolean continuation(ByteBuf in, List<Object> out, int start, int end) {
        if (!permitFolding) {
            return badRequest(in, out, "Obsolete line folding is unacceptable: " + repr(upper(pendingName)));
        }
        pendingLength += end - start + 2;
        if (pendingLength > fieldSizeLimit) return tooLarge(in, out, "limit request headers fields size");
        int vs = start;
        int ve = end;
        while (vs < ve && isSpTab(in.getByte(vs))) vs++;
        while (ve > vs && isSpTab(in.getByte(ve - 1))) ve--;
        pendingCtl |= ve > vs && in.forEachByte(vs, ve - vs, IS_FIELD_CHAR) >= 0;
        pendingValue = pendingValue + " " + latin1(in, vs, ve); // obs-fold is rare: plain concatenation is fine
        return true;
    }

    /** Checks the completed pending field (Gunicorn's order: control chars, size, then header policy). */
    private boolean finishPending(ByteBuf in, List<Object> out) {
        String name = pendingName;
        if (name == null) return true;
        pendingName = null;
        if (pendingCtl) return badRequest(in, out, "Invalid HTTP Header: " + repr(upper(name)));
        if (pendingLength > fieldSizeLimit) return tooLarge(in, out, "limit request headers fields size");
        return applyPolicy(in, out, name, pendingValue);
    }

    /** Gunicorn's HeaderPolicy._apply_header_policy. */
    private boolean applyPolicy(ByteBuf in, List<Object> out, String name, String value) {
        if (name.equalsIgnoreCase("Host")) { // RFC 9110 5.3 singletons
            if (hostSeen) return badRequest(in, out, "Invalid HTTP Header: 'HOST'");
            hostSeen = true;
        } else if (name.equalsIgnoreCase("Content-Type")) {
            if (contentTypeSeen) return badRequest(in, out, "Invalid HTTP Header: 'CONTENT-TYPE'");
            contentTypeSeen = true;
        } else if (!inTrailers && name.equalsIgnoreCase("Expect")) {
            if (!value.equalsIgnoreCase("100-continue")) {
                return fail(in, out, 417, "Expectation Failed",
                        "Unable to comply with expectation: " + repr(value), true);
            }
            expectContinue |= atLeast11(); // RFC 9110 10.1.1: ignored in HTTP/1.0
        }
        boolean trusted = !inTrailers && peerTrusted; // scheme and forwarder headers only from a trusted peer
        String s = trusted ? rules.scheme(name, value) : null;
        if (s != null) {
            if (schemeSeen && !s.equals(scheme)) return badRequest(in, out, "Contradictory scheme headers");
            schemeSeen = true;
            scheme = s;
        }
        switch (rules.underscore(name, trusted)) {
            case DROP -> {
                return true;
            }
            case REFUSE -> {
                return badRequest(in, out, "Invalid HTTP header name: " + repr(upper(name)));
            }
            case KEEP -> { }
        }
        fields.add(new Header(name, value));
        return true;
    }

    /** Gunicorn's set_body_reader and should_close, then emits the head. */
    private boolean headComplete(ByteBuf in, List<Object> out) {
        String contentLength = null;
        boolean chunked = false, mustClose = false, closeToken = false, keepAliveToken = false;
        for (Header h : fields) {
            String name = h.name();
            if (name.equalsIgnoreCase("Content-Length")) {
                if (contentLength != null) return badRequest(in, out, "Invalid HTTP Header: 'CONTENT-LENGTH'");
                contentLength = h.value();
            } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                String v = h.value();
                for (int from = 0; from <= v.length(); ) {
                    int comma = v.indexOf(',', from);
                    if (comma < 0) comma = v.length();
                    String coding = pyStrip(v, from, comma);
                    from = comma + 1;
                    if (coding.equalsIgnoreCase("chunked")) {
                        if (chunked) return badTransferEncoding(in, out); // stacked chunking
                        chunked = true;
                    } else if (coding.equalsIgnoreCase("identity")) {
                        if (chunked) return badTransferEncoding(in, out); // chunked must be last
                    } else if (coding.equalsIgnoreCase("gzip") || coding.equalsIgnoreCase("deflate")
                            || coding.equalsIgnoreCase("compress")) {
                        if (chunked) return badTransferEncoding(in, out);
                        mustClose = true;
                    } else {
                        return fail(in, out, 501, "Not Implemented", "Unsupported transfer coding: " + repr(v), true);
                    }
                }
            } else if (name.equalsIgnoreCase("Connection")) {
                closeToken |= hasToken(h.value(), "close");
                keepAliveToken |= hasToken(h.value(), "keep-alive");
            }
        }
        long length = -1;
        if (chunked) {
            if (!atLeast11()) return badTransferEncoding(in, out); // RFC 9112 6.1: chunked HTTP/1.0 is faulty
            // CL + TE: we cannot be sure a proxy framed it the same way
            if (contentLength != null) return badRequest(in, out, "Invalid HTTP Header: 'CONTENT-LENGTH'");
        } else if (contentLength != null) {
            length = parseContentLength(contentLength);
            if (length < 0) return badRequest(in, out, "Invalid HTTP Header: 'CONTENT-LENGTH'");
        }
        if (requireHost && atLeast11() && !hostSeen) return badRequest(in, out, "Missing Host header");

        keepAlive = !mustClose && !closeToken && (keepAliveToken || atLeast11());
        List<Header> headers = Collections.unmodifiableList(fields);
        fields = null;
        out.add(new RequestHead(method, uri, major, minor, headers, length, chunked, keepAlive, expectContinue, scheme));
        if (chunked) {
            startChunk();
        } else if (length > 0) {
            remaining = length;
            state = State.FIXED_BODY;
        } else {
            out.add(BodyEnd.EMPTY);
            requestDone();
        }
        return true;
    }

    private boolean badTransferEncoding(ByteBuf in, List<Object> out) {
        return badRequest(in, out, "Invalid HTTP Header: 'TRANSFER-ENCODING'");
    }

    private boolean trailersComplete(List<Object> out) {
        out.add(fields.isEmpty() ? BodyEnd.EMPTY : new BodyEnd(Collections.unmodifiableList(fields)));
        requestDone();
        return true;
    }

    private void requestDone() {
        state = keepAlive ? State.REQUEST_LINE : State.CLOSED; // Gunicorn's parser stops after a closing request
        fields = null;
        method = null;
        uri = null;
        scanned = 0;
    }

    // ---- bodies ----

    private boolean fixedBody(ByteBuf in, List<Object> out) {
        int n = (int) Math.min(remaining, in.readableBytes());
        out.add(new BodyChunk(in.readRetainedSlice(n)));
        remaining -= n;
        if (remaining == 0) {
            out.add(BodyEnd.EMPTY);
            requestDone();
        }
        return true;
    }

    private void startChunk() {
        state = State.CHUNK_SIZE;
        chunkSize = 0;
        sawDigit = false;
    }

    /**
     * The chunk-size line, byte by byte so nothing is buffered: 1*HEXDIG, then optionally BWS and ';' extensions,
     * then CRLF (Gunicorn's parse_chunk_size; a bare LF inside an extension passes there too).
     */
    private boolean chunkLine(ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            if (state == State.CHUNK_EXT) { // skip the extension up to its CR without looking at it
                int cr = in.indexOf(in.readerIndex(), in.writerIndex(), CR);
                if (cr < 0) {
                    in.skipBytes(in.readableBytes());
                    return false;
                }
                in.readerIndex(cr + 1);
                state = State.CHUNK_EXT_LF;
                continue;
            }
            byte b = in.readByte();
            switch (state) {
                case CHUNK_SIZE -> {
                    int d = hexValue(b);
                    if (d >= 0) {
                        if (chunkSize > (Long.MAX_VALUE >> 4)) return badChunk(in, out, "Invalid chunk size: too large");
                        chunkSize = chunkSize << 4 | d;
                        sawDigit = true;
                    } else if (!sawDigit) {
                        return badChunk(in, out, "Invalid chunk size: no digits");
                    } else if (b == ';') {
                        state = State.CHUNK_EXT;
                    } else if (b == SP || b == HT) {
                        state = State.CHUNK_SIZE_BWS; // whitespace is allowed only before an extension
                    } else if (b == CR) {
                        state = State.CHUNK_SIZE_LF;
                    } else {
                        return badChunk(in, out, "Invalid chunk size: unexpected " + byteRepr(b));
                    }
                }
                case CHUNK_SIZE_BWS -> {
                    if (b == ';') state = State.CHUNK_EXT;
                    else if (b != SP && b != HT) return badChunk(in, out, "Invalid chunk size: whitespace");
                }
                case CHUNK_SIZE_LF -> {
                    if (b != LF) return badChunk(in, out, "Invalid chunk size: bare CR");
                    return chunkSizeDone();
                }
                case CHUNK_EXT_LF -> {
                    if (b != LF) return badChunk(in, out, "Invalid chunk extension: bare CR not allowed");
                    return chunkSizeDone();
                }
                default -> throw new IllegalStateException(state.toString());
            }
        }
        return false;
    }

    private boolean chunkSizeDone() {
        if (chunkSize == 0) {
            beginSection(State.TRAILERS);
            fields = new ArrayList<>(2);
        } else {
            remaining = chunkSize;
            state = State.CHUNK_DATA;
        }
        return true;
    }

    private boolean chunkData(ByteBuf in, List<Object> out) {
        int n = (int) Math.min(remaining, in.readableBytes());
        out.add(new BodyChunk(in.readRetainedSlice(n)));
        remaining -= n;
        if (remaining == 0) state = State.CHUNK_DATA_END;
        return true;
    }

    private boolean chunkDataEnd(ByteBuf in, List<Object> out) {
        int r = in.readerIndex();
        if (in.getByte(r) != CR || in.readableBytes() >= 2 && in.getByte(r + 1) != LF) {
            return badChunk(in, out, "Invalid chunk terminator is not '\\r\\n'");
        }
        if (in.readableBytes() < 2) return false;
        in.skipBytes(2);
        startChunk();
        return true;
    }

    // ---- errors ----

    private String where() {
        return switch (state) {
            case HEADERS -> "headers";
            case FIXED_BODY -> remaining + " body bytes missing";
            case TRAILERS -> "trailers";
            default -> "chunked body";
        };
    }

    private boolean fail(ByteBuf in, List<Object> out, int status, String reason, String message, boolean respond) {
        state = State.FAILED;
        in.skipBytes(in.readableBytes());
        fields = null;
        pendingName = null;
        pendingValue = null;
        out.add(new RequestError(status, reason, message, respond));
        return false;
    }

    private boolean badRequest(ByteBuf in, List<Object> out, String message) {
        return fail(in, out, 400, "Bad Request", message, true);
    }

    private boolean tooLarge(ByteBuf in, List<Object> out, String message) {
        return fail(in, out, 431, "Request Header Fields Too Large", "Error parsing headers: '" + message + "'", true);
    }

    /**
     * Chunk framing errors: Gunicorn's InvalidChunkSize, ChunkMissingTerminator and InvalidChunkExtension, which its
     * workers answer with 400 when the app lets the error out before its response started.
     */
    private boolean badChunk(ByteBuf in, List<Object> out, String message) {
        return badRequest(in, out, message);
    }

    // ---- peer trust ----

    private void initPeer(ChannelHandlerContext ctx) {
        peerKnown = true;
        if (ctx.pipeline().get(SslHandler.class) != null) defaultScheme = "https";
        peerTrusted = rules.trusts(ctx.channel().remoteAddress());
    }

    // ---- small helpers ----

    private boolean atLeast11() {
        return major > 1 || major == 1 && minor >= 1;
    }

    private static boolean forbiddenInTrailers(String name) {
        return name.equalsIgnoreCase("Host") || name.equalsIgnoreCase("Content-Length")
                || name.equalsIgnoreCase("Transfer-Encoding") || name.equalsIgnoreCase("Trailer")
                || name.equalsIgnoreCase("Authorization") || name.equalsIgnoreCase("TE");
    }

    /** Gunicorn accepts what str.isnumeric() and int() both accept: ASCII digits only. -1 if invalid or too big. */
    private static long parseContentLength(String s) {
        if (s.isEmpty()) return -1;
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            int d = s.charAt(i) - '0';
            if (d < 0 || d > 9 || v > (Long.MAX_VALUE - d) / 10) return -1;
            v = v * 10 + d;
        }
        return v;
    }

    /** Whether a comma-separated list contains the token, case-insensitively. */
    private static boolean hasToken(String list, String token) {
        for (int from = 0; from <= list.length(); ) {
            int comma = list.indexOf(',', from);
            if (comma < 0) comma = list.length();
            int s = from, e = comma;
            while (s < e && (list.charAt(s) == ' ' || list.charAt(s) == '\t')) s++;
            while (e > s && (list.charAt(e - 1) == ' ' || list.charAt(e - 1) == '\t')) e--;
            if (e - s == token.length() && list.regionMatches(true, s, token, 0, token.length())) return true;
            from = comma + 1;
        }
        return false;
    }

    /** Python's str.strip() on a latin-1 string; after the control-char check only SP, HTAB, NEL and NBSP remain. */
    private static String pyStrip(String s, int from, int to) {
        while (from < to && isPyWhitespace(s.charAt(from))) from++;
        while (to > from && isPyWhitespace(s.charAt(to - 1))) to--;
        return s.substring(from, to);
    }

    private static boolean isPyWhitespace(char c) {
        return c == ' ' || c >= '\t' && c <= '\r' || c >= 0x1c && c <= 0x1f || c == 0x85 || c == 0xa0;
    }

    private static boolean isSpTab(byte b) {
        return b == SP || b == HT;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static int hexValue(byte b) {
        if (b >= '0' && b <= '9') return b - '0';
        if (b >= 'a' && b <= 'f') return b - 'a' + 10;
        if (b >= 'A' && b <= 'F') return b - 'A' + 10;
        return -1;
    }

    /**
     * The bytes as text, one char per byte. Out of a direct socket buffer they are copied through {@link #text}:
     * {@code ByteBuf.toString} would allocate an NIO view of the buffer for each string (Netty without
     * {@code Unsafe}, the default on Java 25), four of them for a minimal request.
     */
    private String latin1(ByteBuf in, int from, int to) {
        int n = to - from;
        if (in.hasArray() || in.nioBufferCount() != 1) return in.toString(from, n, StandardCharsets.ISO_8859_1);
        if (text.length < n) text = new byte[Math.max(n, text.length * 2)];
        in.internalNioBuffer(from, n).get(text, 0, n);
        return new String(text, 0, n, StandardCharsets.ISO_8859_1);
    }

    /** latin1's copy of a string's bytes, reused; as long as the longest line the limits allow, at most. */
    private byte[] text = new byte[64];

    private static String upper(String s) {
        return s.toUpperCase(Locale.ROOT);
    }

    private static String byteRepr(byte b) {
        return repr(String.valueOf((char) (b & 0xff)));
    }

    /** Quotes a detail for a message like Python's repr: control characters escaped; cut short. */
    private static String repr(String s) {
        int n = Math.min(s.length(), 200);
        StringBuilder b = new StringBuilder(n + 8).append('\'');
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7f && c <= 0x9f) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        if (s.length() > n) b.append("...");
        return b.append('\'').toString();
    }

    /**
     * Where Python's {@code urllib.parse.urlsplit} raises ValueError, which Gunicorn turns into InvalidRequestLine.
     * Only a netloc ({@code //host}) can fail, so origin-form targets never get here.
     */
    static final class PyUrlSplit {
        private PyUrlSplit() {
        }

        static boolean rejects(String uri) {
            int i = 0;
            while (i < uri.length() && uri.charAt(i) <= ' ') i++; // lstrip C0 controls and space
            StringBuilder sb = new StringBuilder(uri.length() - i);
            for (; i < uri.length(); i++) {
                char c = uri.charAt(i);
                if (c != '\t' && c != '\r' && c != '\n') sb.append(c); // urlsplit deletes these
            }
            String url = sb.toString();
            int colon = url.indexOf(':');
            if (colon > 0 && isAsciiAlpha(url.charAt(0)) && schemeChars(url, colon)) url = url.substring(colon + 1);
            if (!url.startsWith("//")) return false;
            int end = url.length();
            for (char d : new char[] {'/', '?', '#'}) {
                int k = url.indexOf(d, 2);
                if (k >= 0 && k < end) end = k;
            }
            String netloc = url.substring(2, end);
            boolean open = netloc.indexOf('[') >= 0, close = netloc.indexOf(']') >= 0;
            if (open != close) return true;
            return open && !bracketedNetlocOk(netloc);
        }

        private static boolean schemeChars(String s, int end) {
            for (int i = 0; i < end; i++) {
                char c = s.charAt(i);
                if (!isAsciiAlpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') return false;
            }
            return true;
        }

        private static boolean bracketedNetlocOk(String netloc) {
            String hostPort = netloc.substring(netloc.lastIndexOf('@') + 1);
            int open = hostPort.indexOf('[');
            String host;
            if (open >= 0) {
                if (open > 0) return false; // nothing may precede the bracket
                String rest = hostPort.substring(1);
                int close = rest.indexOf(']');
                host = close < 0 ? rest : rest.substring(0, close);
                String port = close < 0 ? "" : rest.substring(close + 1);
                if (!port.isEmpty() && port.charAt(0) != ':') return false;
            } else {
                int c = hostPort.indexOf(':');
                host = c < 0 ? hostPort : hostPort.substring(0, c);
            }
            if (!host.isEmpty() && (host.charAt(0) == 'v' || host.charAt(0) == 'V')) { // IPvFuture v<hex>.<any>
                int k = 1;
                while (k < host.length() && isHex(host.charAt(k))) k++;
                return k > 1 && k + 1 < host.length() && host.charAt(k) == '.';
            }
            return ipv6(host);
        }

        /** Python's ipaddress.IPv6Address rules (an IPv4 address is refused in brackets anyway). */
        static boolean ipv6(String s) {
            int pct = s.indexOf('%');
            if (pct >= 0) {
                String scope = s.substring(pct + 1);
                if (scope.isEmpty() || scope.indexOf('%') >= 0) return false;
                s = s.substring(0, pct);
            }
            List<String> parts = new ArrayList<>(List.of(s.split(":", -1)));
            if (parts.size() < 3) return false;
            String last = parts.get(parts.size() - 1);
            if (last.indexOf('.') >= 0) {
                if (!ipv4(last)) return false;
                parts.set(parts.size() - 1, "0");
                parts.add("0");
            }
            int n = parts.size();
            if (n > 9) return false;
            int skip = -1;
            for (int i = 1; i < n - 1; i++) {
                if (parts.get(i).isEmpty()) {
                    if (skip >= 0) return false; // more than one "::"
                    skip = i;
                }
            }
            int hi, lo;
            if (skip >= 0) {
                hi = skip;
                lo = n - skip - 1;
                if (parts.get(0).isEmpty() && --hi != 0) return false;
                if (parts.get(n - 1).isEmpty() && --lo != 0) return false;
                if (8 - (hi + lo) < 1) return false;
            } else {
                if (n != 8 || parts.get(0).isEmpty() || parts.get(n - 1).isEmpty()) return false;
                hi = n;
                lo = 0;
            }
            for (int i = 0; i < hi; i++) if (!hextet(parts.get(i))) return false;
            for (int i = n - lo; i < n; i++) if (!hextet(parts.get(i))) return false;
            return true;
        }

        private static boolean ipv4(String s) {
            String[] octets = s.split("\\.", -1);
            if (octets.length != 4) return false;
            for (String o : octets) {
                if (o.isEmpty() || o.length() > 3 || o.length() > 1 && o.charAt(0) == '0') return false;
                for (int i = 0; i < o.length(); i++) {
                    if (o.charAt(i) < '0' || o.charAt(i) > '9') return false;
                }
                if (Integer.parseInt(o) > 255) return false;
            }
            return true;
        }

        private static boolean hextet(String h) {
            if (h.isEmpty() || h.length() > 4) return false;
            for (int i = 0; i < h.length(); i++) {
                if (!isHex(h.charAt(i))) return false;
            }
            return true;
        }

        private static boolean isHex(char c) {
            return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
        }

        private static boolean isAsciiAlpha(char c) {
            return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
        }
    }
}
