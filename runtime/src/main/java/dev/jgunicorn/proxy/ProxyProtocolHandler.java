package dev.jgunicorn.proxy;

import dev.jgunicorn.http.ErrorPage;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.ProtocolDetectionResult;
import io.netty.handler.codec.ProtocolDetectionState;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.util.AttributeKey;
import io.netty.util.NetUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Gunicorn's {@code proxy_protocol} / {@code proxy_allow_ips}: accepts a HAProxy PROXY header (v1 text or v2 binary)
 * in front of the first request of a connection, as {@code gunicorn/http/message.py} ({@code _handle_proxy_protocol})
 * does in Gunicorn 26.1.
 *
 * <p>Sits first in the child pipeline, in front of the HTTP decoder (and in front of a TLS handler: the PROXY header
 * travels in clear before any TLS record). It only ever looks at the first bytes of the connection:
 * <ul>
 *   <li>A PROXY header the mode accepts ({@code "v1"}: v1 only, {@code "v2"}: v2 only, {@code "auto"}: both) is
 *       decoded and consumed; a TCP4/TCP6 source address goes to the channel attribute {@link #SOURCE} (the
 *       destination to {@link #DESTINATION}); then this handler removes itself and the bytes after the header are
 *       passed on untouched.</li>
 *   <li>No PROXY header, or one of the version the mode does not accept: everything is passed on untouched, in every
 *       mode. This is what Gunicorn does: in "v1"/"v2" mode it does not insist on a header; bytes that are not the
 *       accepted header are parsed as HTTP (so a v2 header in "v1" mode, or a v1 line in "v2" mode, ends up as a 400
 *       from the HTTP decoder).</li>
 *   <li>A peer outside {@code proxy_allow_ips} that sends a PROXY header gets 403 "Forbidden" / "Request forbidden"
 *       (Gunicorn's ForbiddenProxyRequest; checked as soon as the header is recognised, before it is complete). Peers
 *       without an IP address (UNIX sockets) are trusted, as in Gunicorn.</li>
 *   <li>A malformed v1 line gets 400 "Bad Request" (InvalidProxyLine), as does a v1 line without CRLF within the
 *       first 107 bytes (the spec's maximum; Gunicorn itself has no limit). A malformed v2 header gets 400 too
 *       (Gunicorn raises InvalidProxyHeader, which its workers answer with 500 because the class is missing from
 *       their handled list). Every error answer closes the connection.</li>
 *   <li>v1 {@code UNKNOWN} and v2 {@code LOCAL} keep the real peer address (no {@link #SOURCE}); so does a v2
 *       {@code PROXY} command with the UNSPEC address family. Deliberate differences from Gunicorn, which follow the
 *       PROXY protocol spec: Gunicorn answers 400 to {@code PROXY UNKNOWN} and 500 to the UNSPEC family with the
 *       UNSPEC transport. Like Gunicorn, v2 UDP or UNIX addresses are refused (400) and v2 TLVs are ignored.</li>
 *   <li>Bytes that can no longer start a PROXY header are passed on at once, and "PROXY " is taken as a v1 line at
 *       once (Gunicorn waits for 12 bytes before it decides, so it would sit on a short "PROXY \r\n"). A
 *       connection closed in the middle of a PROXY header is closed without an answer (Gunicorn: NoMoreData).</li>
 * </ul>
 * Later "PROXY" text on the connection is plain HTTP: this handler is gone by then.
 *
 * <p>One instance per channel (it is a {@link ByteToMessageDecoder}); it never blocks.
 */
public final class ProxyProtocolHandler extends ByteToMessageDecoder {

    /** The client address the PROXY header reported (TCP4/TCP6 only); absent without such a header. */
    public static final AttributeKey<InetSocketAddress> SOURCE =
            AttributeKey.valueOf(ProxyProtocolHandler.class, "SOURCE");
    /** The address the client connected to at the proxy (Gunicorn's PROXY_ADDR/PROXY_PORT); set with SOURCE. */
    public static final AttributeKey<InetSocketAddress> DESTINATION =
            AttributeKey.valueOf(ProxyProtocolHandler.class, "DESTINATION");

    private static final Logger log = LoggerFactory.getLogger("gunicorn.error");

    /** Longest v1 line the spec allows, CRLF included. */
    static final int V1_MAX_LENGTH = 107;
    private static final byte[] V1_PREFIX = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final int V2_FIXED = 16;

    private final boolean acceptV1, acceptV2;
    private final TrustedPeers allowed;

    private boolean checkedPeer; // the access check passed (it runs once, when the header is recognised)
    private boolean failed;      // an error was answered: swallow everything until the close

    /**
     * @param mode     "v1", "v2" or "auto" (the PROXY header versions accepted); the caller does not add this
     *                 handler for "off"
     * @param allowIps {@code proxy_allow_ips}: IPs, CIDRs or "*" (entries may be comma-separated lists)
     */
    public ProxyProtocolHandler(String mode, List<String> allowIps) {
        String m = mode == null ? "" : mode.toLowerCase(Locale.ROOT);
        switch (m) {
            case "v1" -> {
                acceptV1 = true;
                acceptV2 = false;
            }
            case "v2" -> {
                acceptV1 = false;
                acceptV2 = true;
            }
            case "auto" -> {
                acceptV1 = true;
                acceptV2 = true;
            }
            default -> throw new IllegalArgumentException("proxy_protocol mode must be v1, v2 or auto: " + mode);
        }
        allowed = TrustedPeers.of(allowIps);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        ProtocolDetectionResult<HAProxyProtocolVersion> detected = HAProxyMessageDecoder.detectProtocol(in);
        if (detected.state() == ProtocolDetectionState.NEEDS_MORE_DATA) { // fewer than 12 bytes so far
            if (acceptV1 && startsWith(in, V1_PREFIX)) { // "PROXY " cannot start a v2 header: decided
                if (accessCheck(ctx, in)) v1(ctx, in);
            } else if (!couldStartHeader(in)) {
                passOn(ctx);
            }
            return;
        }
        if (detected.state() == ProtocolDetectionState.DETECTED) {
            if (detected.detectedProtocol() == HAProxyProtocolVersion.V2 && acceptV2) {
                if (accessCheck(ctx, in)) v2(ctx, in);
                return;
            }
            // detectProtocol() checks "PROXY"; Gunicorn wants "PROXY " (with the space)
            if (detected.detectedProtocol() == HAProxyProtocolVersion.V1 && acceptV1 && startsWith(in, V1_PREFIX)) {
                if (accessCheck(ctx, in)) v1(ctx, in);
                return;
            }
        }
        passOn(ctx); // no PROXY header (or one this mode does not accept): plain HTTP
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.isReadable()) decode(ctx, in, out);
        if (ctx.isRemoved() || !in.isReadable()) return;
        // the input ended inside a (possible) PROXY header: Gunicorn's NoMoreData, closed without an answer
        in.skipBytes(in.readableBytes());
        failed = true;
        ctx.close();
    }

    // ---- v1: "PROXY TCP4 1.2.3.4 5.6.7.8 1234 80\r\n" ----

    private void v1(ChannelHandlerContext ctx, ByteBuf in) {
        int start = in.readerIndex();
        int window = Math.min(in.readableBytes(), V1_MAX_LENGTH);
        int cr = -1;
        for (int i = start; i < start + window - 1; i++) {
            if (in.getByte(i) == '\r' && in.getByte(i + 1) == '\n') {
                cr = i;
                break;
            }
        }
        if (cr < 0) {
            if (in.readableBytes() >= V1_MAX_LENGTH) {
                String head = in.toString(start, V1_MAX_LENGTH, StandardCharsets.ISO_8859_1);
                invalidLine(ctx, in, head + "... (no CRLF within " + V1_MAX_LENGTH + " bytes)");
            }
            return; // wait for the rest of the line
        }
        String line = in.toString(start, cr - start, StandardCharsets.ISO_8859_1);
        String[] bits = line.split(" ", -1); // Python's str.split(" "): empty fields are kept
        InetSocketAddress src = null, dst = null;
        if (bits.length >= 2 && bits[1].equals("UNKNOWN")) {
            // the spec: the receiver must ignore anything after UNKNOWN and keep the real addresses
        } else {
            if (bits.length != 6) {
                invalidLine(ctx, in, line);
                return;
            }
            String proto = bits[1];
            boolean v4 = proto.equals("TCP4");
            if (!v4 && !proto.equals("TCP6")) {
                invalidLine(ctx, in, "protocol '" + proto + "' not supported");
                return;
            }
            InetAddress s = v4 ? ipv4(bits[2]) : ipv6(bits[2]);
            InetAddress d = v4 ? ipv4(bits[3]) : ipv6(bits[3]);
            if (s == null || d == null) {
                invalidLine(ctx, in, line);
                return;
            }
            int sp = port(bits[4]), dp = port(bits[5]);
            if (sp < 0 || dp < 0) {
                invalidLine(ctx, in, "invalid port " + line);
                return;
            }
            src = new InetSocketAddress(s, sp);
            dst = new InetSocketAddress(d, dp);
        }
        in.readerIndex(cr + 2);
        done(ctx, src, dst);
    }

    /** A dotted quad as inet_pton(AF_INET) accepts it: four decimal octets up to 255, no leading zeros. */
    private static InetAddress ipv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) return null;
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || p.length() > 1 && p.charAt(0) == '0') return null;
            int v = 0;
            for (int k = 0; k < p.length(); k++) {
                char c = p.charAt(k);
                if (c < '0' || c > '9') return null;
                v = v * 10 + (c - '0');
            }
            if (v > 255) return null;
            b[i] = (byte) v;
        }
        return address(b);
    }

    /** An IPv6 address as inet_pton(AF_INET6) accepts it (no brackets, no zone id). */
    private static InetAddress ipv6(String s) {
        if (s.indexOf(':') < 0 || s.indexOf('[') >= 0 || s.indexOf(']') >= 0 || s.indexOf('%') >= 0
                || !NetUtil.isValidIpV6Address(s)) {
            return null;
        }
        byte[] b = NetUtil.createByteArrayFromIpAddressString(s);
        return b == null || b.length != 16 ? null : address(b);
    }

    private static InetAddress address(byte[] b) {
        try {
            return InetAddress.getByAddress(b); // no name lookup
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    /**
     * A port of 1 to 5 ASCII digits, 0..65535, or -1. (Gunicorn uses Python's int(), which would also take a sign,
     * underscores or surrounding tabs; such lines are refused here.)
     */
    private static int port(String s) {
        if (s.isEmpty() || s.length() > 5) return -1;
        int v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return -1;
            v = v * 10 + (c - '0');
        }
        return v <= 65535 ? v : -1;
    }

    // ---- v2: 12-byte signature, ver/cmd, fam/proto, length, addresses, TLVs ----

    private void v2(ChannelHandlerContext ctx, ByteBuf in) {
        if (in.readableBytes() < V2_FIXED) return;
        int start = in.readerIndex();
        int verCmd = in.getUnsignedByte(start + 12);
        int famProto = in.getUnsignedByte(start + 13);
        int length = in.getUnsignedShort(start + 14);
        int version = verCmd >> 4, command = verCmd & 0x0F;
        if (version != 2) {
            invalidHeader(ctx, in, "unsupported version " + version);
            return;
        }
        if (command != 0 && command != 1) {
            invalidHeader(ctx, in, "unsupported command " + command);
            return;
        }
        if (in.readableBytes() < V2_FIXED + length) return; // wait for the whole header
        int family = famProto >> 4, transport = famProto & 0x0F;
        InetSocketAddress src = null, dst = null;
        if (command == 1 && family != 0) { // PROXY with addresses; LOCAL and UNSPEC keep the real peer
            if (transport != 1) {
                invalidHeader(ctx, in, "only TCP protocol is supported");
                return;
            }
            int a = start + V2_FIXED;
            if (family == 1) {
                if (length < 12) {
                    invalidHeader(ctx, in, "insufficient address data for IPv4");
                    return;
                }
                src = new InetSocketAddress(address(bytes(in, a, 4)), in.getUnsignedShort(a + 8));
                dst = new InetSocketAddress(address(bytes(in, a + 4, 4)), in.getUnsignedShort(a + 10));
            } else if (family == 2) {
                if (length < 36) {
                    invalidHeader(ctx, in, "insufficient address data for IPv6");
                    return;
                }
                src = new InetSocketAddress(address(bytes(in, a, 16)), in.getUnsignedShort(a + 32));
                dst = new InetSocketAddress(address(bytes(in, a + 16, 16)), in.getUnsignedShort(a + 34));
            } else {
                invalidHeader(ctx, in, "unsupported address family " + family);
                return;
            }
        }
        in.skipBytes(V2_FIXED + length); // TLVs are ignored, as in Gunicorn
        done(ctx, src, dst);
    }

    private static byte[] bytes(ByteBuf in, int index, int n) {
        byte[] b = new byte[n];
        in.getBytes(index, b);
        return b;
    }

    // ---- outcomes ----

    private void done(ChannelHandlerContext ctx, InetSocketAddress src, InetSocketAddress dst) {
        if (src != null) {
            ctx.channel().attr(SOURCE).set(src);
            ctx.channel().attr(DESTINATION).set(dst);
        }
        passOn(ctx);
    }

    /** Leaves the pipeline; ByteToMessageDecoder hands the bytes not consumed to the next handler. */
    private void passOn(ChannelHandlerContext ctx) {
        ctx.pipeline().remove(this);
    }

    /** Gunicorn's proxy_protocol_access_check: only trusted peers may send a PROXY header. */
    private boolean accessCheck(ChannelHandlerContext ctx, ByteBuf in) {
        if (checkedPeer) return true;
        SocketAddress peer = ctx.channel().remoteAddress();
        if (!allowed.trusts(peer)) {
            String ip = peer instanceof InetSocketAddress inet && inet.getAddress() != null
                    ? inet.getAddress().getHostAddress() : String.valueOf(peer);
            refuse(ctx, in, 403, "Forbidden", "Request forbidden", "Proxy request from '" + ip + "' not allowed");
            return false;
        }
        checkedPeer = true;
        return true;
    }

    private void invalidLine(ChannelHandlerContext ctx, ByteBuf in, String detail) {
        String error = "Invalid PROXY line: " + repr(detail);
        refuse(ctx, in, 400, "Bad Request", "'" + error + "'", error);
    }

    private void invalidHeader(ChannelHandlerContext ctx, ByteBuf in, String detail) {
        String error = "Invalid PROXY header: " + detail;
        refuse(ctx, in, 400, "Bad Request", error, error);
    }

    private void refuse(ChannelHandlerContext ctx, ByteBuf in, int status, String reason, String message,
                        String logged) {
        failed = true;
        in.skipBytes(in.readableBytes());
        SocketAddress peer = ctx.channel().remoteAddress();
        log.warn("Invalid request from ip={}: {}", peer instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : peer, logged);
        ctx.writeAndFlush(ErrorPage.render(ctx.alloc(), status, reason, message, false)).addListener(ChannelFutureListener.CLOSE);
    }

    // ---- helpers ----

    /** Whether the bytes so far (fewer than 12) are still a prefix of an accepted PROXY header. */
    private boolean couldStartHeader(ByteBuf in) {
        return acceptV1 && prefixOf(in, V1_PREFIX) || acceptV2 && prefixOf(in, V2_SIGNATURE);
    }

    private static boolean prefixOf(ByteBuf in, byte[] signature) {
        int n = Math.min(in.readableBytes(), signature.length);
        for (int i = 0; i < n; i++) {
            if (in.getByte(in.readerIndex() + i) != signature[i]) return false;
        }
        return true;
    }

    private static boolean startsWith(ByteBuf in, byte[] prefix) {
        return in.readableBytes() >= prefix.length && prefixOf(in, prefix);
    }

    /** Python's repr of a latin-1 string: its choice of quotes, non-printables escaped; cut at 200 characters. */
    static String repr(String s) {
        int n = Math.min(s.length(), 200);
        char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder b = new StringBuilder(n + 8).append(q);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '\r') b.append("\\r");
            else if (c == '\n') b.append("\\n");
            else if (c == '\t') b.append("\\t");
            else if (c == '\\' || c == q) b.append('\\').append(c);
            else if (c < 0x20 || c >= 0x7f && c <= 0xa0 || c == 0xad) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        if (s.length() > n) b.append("...");
        return b.append(q).toString();
    }
}
