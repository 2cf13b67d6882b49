package dev.jgunicorn.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jgunicorn.conformance.GunicornRequests;
import dev.jgunicorn.http.BodyChunk;
import dev.jgunicorn.http.BodyEnd;
import dev.jgunicorn.http.ErrorPage;
import dev.jgunicorn.http.Http1RequestDecoder;
import dev.jgunicorn.http.ParserConfig;
import dev.jgunicorn.http.RequestError;
import dev.jgunicorn.http.RequestHead;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import io.netty.util.NetUtil;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProxyProtocolTest {

    private static final Path CASES = GunicornRequests.CASES;

    private static final List<String> DEFAULT_ALLOW = List.of("127.0.0.1", "::1");
    private static final byte[] HTTP = ascii("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");

    // ---- harness -------------------------------------------------------------------------------------------

    /** What one connection produced: the bytes passed on, what was written back, and the channel state. */
    record Run(EmbeddedChannel ch, byte[] passed, String written, boolean open, boolean handlerGone) {
        InetSocketAddress source() {
            return ch.attr(ProxyProtocolHandler.SOURCE).get();
        }

        InetSocketAddress destination() {
            return ch.attr(ProxyProtocolHandler.DESTINATION).get();
        }

        int status() {
            assertTrue(written.startsWith("HTTP/1.1 "), () -> "no response written: " + written);
            return Integer.parseInt(written.substring(9, 12));
        }
    }

    static EmbeddedChannel channel(SocketAddress peer) {
        return peer == null ? new EmbeddedChannel() : new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return peer;
            }
        };
    }

    /** Feeds the parts through a lone ProxyProtocolHandler; checks that every input buffer was released. */
    static Run run(String mode, List<String> allow, SocketAddress peer, boolean eof, byte[]... parts) {
        EmbeddedChannel ch = channel(peer);
        ch.pipeline().addLast(new ProxyProtocolHandler(mode, allow));
        List<ByteBuf> inputs = new ArrayList<>();
        ByteArrayOutputStream passed = new ByteArrayOutputStream();
        StringBuilder written = new StringBuilder();
        for (byte[] part : parts) {
            if (!ch.isOpen()) break;
            ByteBuf in = Unpooled.buffer(part.length).writeBytes(part);
            inputs.add(in);
            ch.writeInbound(in);
            drain(ch, passed, written);
        }
        boolean gone = ch.pipeline().get(ProxyProtocolHandler.class) == null;
        if (eof) {
            ch.finish();
            drain(ch, passed, written);
        }
        boolean open = ch.isOpen();
        ch.finishAndReleaseAll();
        for (ByteBuf in : inputs) assertEquals(0, in.refCnt(), "an input buffer was not released");
        return new Run(ch, passed.toByteArray(), written.toString(), open, gone);
    }

    static Run run(String mode, byte[]... parts) {
        return run(mode, List.of("*"), null, false, parts);
    }

    private static void drain(EmbeddedChannel ch, ByteArrayOutputStream passed, StringBuilder written) {
        for (Object msg; (msg = ch.readInbound()) != null; ) {
            ByteBuf b = assertInstanceOfByteBuf(msg);
            try {
                byte[] bytes = new byte[b.readableBytes()];
                b.getBytes(b.readerIndex(), bytes);
                passed.writeBytes(bytes);
            } finally {
                b.release();
            }
        }
        for (Object msg; (msg = ch.readOutbound()) != null; ) {
            ByteBuf b = assertInstanceOfByteBuf(msg);
            try {
                written.append(b.toString(StandardCharsets.ISO_8859_1));
            } finally {
                b.release();
            }
        }
    }

    private static ByteBuf assertInstanceOfByteBuf(Object msg) {
        assertTrue(msg instanceof ByteBuf, () -> "not a ByteBuf: " + msg);
        return (ByteBuf) msg;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    static byte[][] byteByByte(byte[] raw) {
        byte[][] parts = new byte[raw.length][];
        for (int i = 0; i < raw.length; i++) parts[i] = new byte[] {raw[i]};
        return parts;
    }

    /** A v2 header made by Netty's own encoder (the encoder releases the message). */
    static byte[] v2(HAProxyMessage msg) {
        EmbeddedChannel enc = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        assertTrue(enc.writeOutbound(msg));
        ByteBuf b = enc.readOutbound();
        try {
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            return bytes;
        } finally {
            b.release();
            enc.finishAndReleaseAll();
        }
    }

    static byte[] v2Tcp4(String src, String dst, int sp, int dp) {
        return v2(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY, HAProxyProxiedProtocol.TCP4,
                src, dst, sp, dp));
    }

    /** A hand-built v2 header: signature, version/command, family/transport, then the given address block. */
    static byte[] v2Raw(int verCmd, int famProto, byte[] block) {
        ByteBuf b = Unpooled.buffer();
        b.writeBytes(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        b.writeByte(verCmd).writeByte(famProto).writeShort(block.length).writeBytes(block);
        byte[] bytes = new byte[b.readableBytes()];
        b.readBytes(bytes);
        b.release();
        return bytes;
    }

    static InetSocketAddress addr(String ip, int port) {
        return new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(ip), port);
    }

    static SocketAddress peer(String ip) {
        return addr(ip, 40000);
    }

    // ---- v1 ------------------------------------------------------------------------------------------------

    @Test
    void v1Tcp4() {
        Run r = run("auto", concat(ascii("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"), HTTP));
        assertArrayEquals(HTTP, r.passed());
        assertEquals(addr("192.168.0.1", 56324), r.source());
        assertEquals(addr("192.168.0.11", 443), r.destination());
        assertTrue(r.handlerGone());
        assertTrue(r.open());
        assertEquals("", r.written());
    }

    @Test
    void v1Tcp6() {
        Run r = run("v1", concat(ascii("PROXY TCP6 2001:db8::1 ::ffff:10.0.0.1 65535 0\r\n"), HTTP));
        assertArrayEquals(HTTP, r.passed());
        assertEquals(addr("2001:db8::1", 65535), r.source());
        assertEquals(0, r.destination().getPort());
        assertTrue(r.handlerGone());
    }

    @Test
    void v1Unknown() {
        for (String line : List.of("PROXY UNKNOWN\r\n", "PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n")) {
            Run r = run("auto", concat(ascii(line), HTTP));
            assertArrayEquals(HTTP, r.passed(), line);
            assertNull(r.source(), "UNKNOWN keeps the real peer");
            assertTrue(r.handlerGone());
        }
    }

    @Test
    void v1AtTheLimit() {
        // the spec's longest line: 107 bytes with the CRLF
        String ip = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
        String line = "PROXY UNKNOWN " + ip + " " + ip + " 65535 65535\r\n";
        assertEquals(ProxyProtocolHandler.V1_MAX_LENGTH, line.length());
        Run r = run("auto", concat(ascii(line), HTTP));
        assertArrayEquals(HTTP, r.passed());
        assertNull(r.source());
        // the longest TCP6 line
        String tcp6 = "PROXY TCP6 " + ip + " " + ip + " 65535 65535\r\n";
        Run r6 = run("auto", byteByByte(concat(ascii(tcp6), HTTP)));
        assertArrayEquals(HTTP, r6.passed());
        assertEquals(addr(ip, 65535), r6.source());
        // one byte more is refused, whole or byte by byte
        String over = "PROXY UNKNOWN " + ip + " " + ip + " 65535 065535\r\n";
        assertEquals(400, run("auto", concat(ascii(over), HTTP)).status());
        assertEquals(400, run("auto", byteByByte(concat(ascii(over), HTTP))).status());
    }

    @Test
    void v1TooLongWithoutCrlf() {
        byte[] raw = ascii("PROXY TCP4 " + "1".repeat(120));
        Run r = run("auto", raw);
        assertEquals(400, r.status());
        assertFalse(r.open());
        assertEquals(0, r.passed().length);
        // byte by byte: refused as soon as 107 bytes came without CRLF
        Run split = run("auto", byteByByte(raw));
        assertEquals(400, split.status());
        assertFalse(split.open());
    }

    @Test
    void v1Malformed() {
        for (String line : List.of(
                "PROXY TCP4 192.168.0.1 192.16...\r\n",
                "PROXY TCP4 192.168.0.1 192.168.0.11 65iii 100000\r\n",
                "PROXY TCP4 not-an-ip 192.168.0.11 56324 443\r\n",
                "PROXY TCP4 192.168.0.1 192.168.0.11 56324 65536\r\n",
                "PROXY TCP4 192.168.0.1 192.168.0.11 -1 443\r\n",
                "PROXY TCP4 192.168.0.01 192.168.0.11 56324 443\r\n",
                "PROXY TCP4 2001:db8::1 192.168.0.11 56324 443\r\n",
                "PROXY TCP6 192.168.0.1 2001:db8::2 56324 443\r\n",
                "PROXY TCP6 [2001:db8::1] 2001:db8::2 56324 443\r\n",
                "PROXY TCP4  192.168.0.1 192.168.0.11 56324 443\r\n",
                "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443 \r\n",
                "PROXY UDP4 192.168.0.1 192.168.0.11 56324 443\r\n",
                "PROXY tcp4 192.168.0.1 192.168.0.11 56324 443\r\n",
                "PROXY \r\n",
                "PROXY / HTTP/1.1\r\nHost: h\r\n\r\n")) {
            Run r = run("auto", ascii(line));
            assertEquals(400, r.status(), line);
            assertTrue(r.written().contains("Bad Request"), line);
            assertTrue(r.written().contains("Invalid PROXY line"), r.written());
            assertFalse(r.open(), line);
            assertEquals(0, r.passed().length, line);
            assertNull(r.source(), line);
        }
    }

    @Test
    void v1MessageLikeGunicorn() {
        Run r = run("auto", ascii("PROXY TCP4 not-an-ip 192.168.0.11 56324 443\r\n"));
        // Gunicorn: mesg = "'%s'" % str(InvalidProxyLine(line)), then HTML-escaped
        assertTrue(r.written().contains(
                ErrorPage.escape("'Invalid PROXY line: 'PROXY TCP4 not-an-ip 192.168.0.11 56324 443''")), r.written());
        assertEquals("\"protocol 'X' not supported\"", ProxyProtocolHandler.repr("protocol 'X' not supported"));
        assertEquals("'a\\r\\x00'", ProxyProtocolHandler.repr("a\r\0"));
    }

    @Test
    void proxyMethodWithoutSpaceIsHttp() {
        // Gunicorn looks for "PROXY " (with the space); Netty's detector only for "PROXY"
        byte[] raw = ascii("PROXYFIND / HTTP/1.1\r\nHost: h\r\n\r\n");
        Run r = run("auto", raw);
        assertArrayEquals(raw, r.passed());
        assertNull(r.source());
    }

    // ---- v2 ------------------------------------------------------------------------------------------------

    @Test
    void v2Tcp4() {
        Run r = run("auto", concat(v2Tcp4("192.168.1.10", "192.168.1.1", 12345, 443), HTTP));
        assertArrayEquals(HTTP, r.passed());
        assertEquals(addr("192.168.1.10", 12345), r.source());
        assertEquals(addr("192.168.1.1", 443), r.destination());
        assertTrue(r.handlerGone());
    }

    @Test
    void v2Tcp6() {
        byte[] header = v2(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
                HAProxyProxiedProtocol.TCP6, "2001:db8::1", "2001:db8::2", 54321, 80));
        Run r = run("v2", concat(header, HTTP));
        assertArrayEquals(HTTP, r.passed());
        assertEquals(addr("2001:db8::1", 54321), r.source());
        assertEquals(addr("2001:db8::2", 80), r.destination());
    }

    @Test
    void v2WithTlvsIgnoresThem() {
        HAProxyTLV tlv = new HAProxyTLV(HAProxyTLV.Type.PP2_TYPE_AUTHORITY, Unpooled.copiedBuffer("example.com",
                StandardCharsets.US_ASCII));
        byte[] header = v2(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
                HAProxyProxiedProtocol.TCP4, "10.1.2.3", "10.0.0.1", 1, 2, List.of(tlv)));
        assertTrue(header.length > 16 + 12);
        Run r = run("auto", concat(header, HTTP));
        assertArrayEquals(HTTP, r.passed());
        assertEquals(addr("10.1.2.3", 1), r.source());
    }

    @Test
    void v2LocalKeepsPeer() {
        byte[] header = v2(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.LOCAL,
                HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0));
        Run r = run("auto", concat(header, HTTP));
        assertArrayEquals(HTTP, r.passed());
        assertNull(r.source());
        assertTrue(r.handlerGone());
        // LOCAL with an address block (a health check): still the real peer, the block is skipped
        Run r2 = run("auto", concat(v2Raw(0x20, 0x11, new byte[12]), HTTP));
        assertArrayEquals(HTTP, r2.passed());
        assertNull(r2.source());
    }

    @Test
    void v2UnspecKeepsPeer() {
        Run r = run("auto", concat(v2Raw(0x21, 0x00, new byte[0]), HTTP));
        assertArrayEquals(HTTP, r.passed());
        assertNull(r.source());
    }

    @Test
    void v2Malformed() {
        byte[] v4block = new byte[12];
        List<byte[]> bad = List.of(
                v2Raw(0x11, 0x11, v4block),          // version 1
                v2Raw(0x22, 0x11, v4block),          // command 2
                v2Raw(0x21, 0x12, v4block),          // UDP
                v2Raw(0x21, 0x11, new byte[8]),      // IPv4 block too short
                v2Raw(0x21, 0x21, new byte[20]),     // IPv6 block too short
                v2Raw(0x21, 0x31, new byte[216]),    // UNIX
                v2Raw(0x21, 0x41, v4block));         // unknown family
        for (byte[] header : bad) {
            Run r = run("auto", concat(header, HTTP));
            assertEquals(400, r.status(), () -> HexFormat.of().formatHex(header));
            assertTrue(r.written().contains("Invalid PROXY header"), r.written());
            assertFalse(r.open());
            assertEquals(0, r.passed().length);
        }
    }

    @Test
    void v2BadVersionRefusedBeforeTheBodyArrives() {
        // the length field says 1000 bytes, but the version is already wrong
        byte[] header = v2Raw(0x31, 0x11, new byte[0]);
        header[14] = 0x03;
        header[15] = (byte) 0xe8;
        Run r = run("auto", header);
        assertEquals(400, r.status());
    }

    // ---- split delivery ----------------------------------------------------------------------------------

    @Test
    void byteByByte() {
        List<byte[]> headers = List.of(ascii("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"),
                v2Tcp4("192.168.0.1", "192.168.0.11", 56324, 443));
        for (byte[] header : headers) {
            Run r = run("auto", byteByByte(concat(header, HTTP)));
            assertArrayEquals(HTTP, r.passed());
            assertEquals(addr("192.168.0.1", 56324), r.source());
            assertTrue(r.handlerGone());
        }
        // the header in one piece and the request glued to its last byte
        byte[] v1 = headers.get(0);
        Run r = run("auto", java.util.Arrays.copyOf(v1, v1.length - 1), concat(new byte[] {v1[v1.length - 1]}, HTTP));
        assertArrayEquals(HTTP, r.passed());
        assertEquals(addr("192.168.0.1", 56324), r.source());
    }

    @Test
    void shortPlainRequestPassesAtOnce() {
        // fewer than 12 bytes that cannot start a PROXY header are not held back
        Run r = run("auto", ascii("GET"));
        assertArrayEquals(ascii("GET"), r.passed());
        assertTrue(r.handlerGone());
        // while a prefix of a header is held until it is decided
        Run held = run("auto", ascii("PROX"));
        assertEquals(0, held.passed().length);
        assertFalse(held.handlerGone());
    }

    @Test
    void eofInsideHeaderClosesWithoutAnswer() {
        for (byte[] raw : List.of(ascii("PROX"), ascii("PROXY TCP4 192.168.0.1"),
                java.util.Arrays.copyOf(v2Tcp4("1.2.3.4", "5.6.7.8", 1, 2), 20))) {
            Run r = run("auto", List.of("*"), null, true, raw);
            assertEquals("", r.written());
            assertEquals(0, r.passed().length);
            assertFalse(r.open());
        }
    }

    // ---- no header, modes --------------------------------------------------------------------------------

    @Test
    void noHeaderPassesUnchangedInEveryMode() {
        byte[] raw = concat(HTTP, ascii("POST /y HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"));
        for (String mode : List.of("auto", "v1", "v2")) {
            Run r = run(mode, raw);
            assertArrayEquals(raw, r.passed(), mode);
            assertNull(r.source());
            assertTrue(r.handlerGone());
            assertEquals("", r.written());
            Run split = run(mode, byteByByte(raw));
            assertArrayEquals(raw, split.passed(), mode);
        }
    }

    @Test
    void versionTheModeDoesNotAcceptIsPassedOnAsHttp() {
        byte[] v1 = concat(ascii("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"), HTTP);
        byte[] v2 = concat(v2Tcp4("192.168.0.1", "192.168.0.11", 56324, 443), HTTP);
        Run a = run("v2", v1);
        assertArrayEquals(v1, a.passed());
        assertNull(a.source());
        Run b = run("v1", v2);
        assertArrayEquals(v2, b.passed());
        assertNull(b.source());
    }

    @Test
    void laterProxyTextIsHttp() {
        byte[] second = ascii("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n");
        Run r = run("auto", HTTP, second);
        assertArrayEquals(concat(HTTP, second), r.passed());
        assertNull(r.source());
        // also after a PROXY header: a second one is HTTP
        Run r2 = run("auto", concat(second, HTTP), second);
        assertArrayEquals(concat(HTTP, second), r2.passed());
        assertEquals(addr("192.168.0.1", 56324), r2.source());
    }

    @Test
    void badMode() {
        assertThrows(IllegalArgumentException.class, () -> new ProxyProtocolHandler("off", List.of()));
        assertThrows(IllegalArgumentException.class, () -> new ProxyProtocolHandler("v3", List.of()));
        new ProxyProtocolHandler("AUTO", List.of());
    }

    // ---- proxy_allow_ips ---------------------------------------------------------------------------------

    @Test
    void peerNotAllowedGets403() {
        for (byte[] header : List.of(ascii("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"),
                v2Tcp4("192.168.0.1", "192.168.0.11", 56324, 443), ascii("PROXY garbage\r\n"))) {
            Run r = run("auto", DEFAULT_ALLOW, peer("10.0.0.5"), false, concat(header, HTTP));
            assertEquals(403, r.status());
            assertTrue(r.written().startsWith("HTTP/1.1 403 Forbidden\r\n"), r.written());
            assertTrue(r.written().contains("Request forbidden"));
            assertFalse(r.open());
            assertEquals(0, r.passed().length);
            assertNull(r.source());
        }
        // refused as soon as the header is recognised, before it is complete
        Run early = run("auto", DEFAULT_ALLOW, peer("10.0.0.5"), false, ascii("PROXY TCP4 1"));
        assertEquals(403, early.status());
    }

    @Test
    void allowedPeers() {
        byte[] raw = concat(ascii("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"), HTTP);
        record Case(List<String> allow, String peer) {
        }
        for (Case c : List.of(new Case(DEFAULT_ALLOW, "127.0.0.1"), new Case(DEFAULT_ALLOW, "::1"),
                new Case(List.of("10.0.0.0/8"), "10.9.8.7"), new Case(List.of("192.0.2.1, 10.0.0.0/8"), "10.0.0.5"),
                new Case(List.of("2001:db8::/32"), "2001:db8:1::5"), new Case(List.of("*"), "203.0.113.9"))) {
            Run r = run("auto", c.allow(), peer(c.peer()), false, raw);
            assertEquals("", r.written(), c.toString());
            assertArrayEquals(HTTP, r.passed(), c.toString());
            assertEquals(addr("192.168.0.1", 56324), r.source());
        }
        // a non-IP peer (UNIX socket; EmbeddedChannel) is trusted, as in Gunicorn
        Run unix = run("auto", List.of(), null, false, raw);
        assertArrayEquals(HTTP, unix.passed());
    }

    @Test
    void peerNotAllowedWithoutHeaderIsServed() {
        Run r = run("auto", DEFAULT_ALLOW, peer("10.0.0.5"), false, HTTP);
        assertArrayEquals(HTTP, r.passed());
        assertEquals("", r.written());
    }

    // ---- the Gunicorn corpus: the 8 proxy_protocol cases ---------------------------------------------------

    /** What the handler plus the HTTP decoder made of one case. */
    record Decoded(List<RequestHead> heads, List<byte[]> bodies, RequestError error, String written,
                   InetSocketAddress source, InetSocketAddress destination) {
    }

    static Decoded decode(byte[]... parts) {
        EmbeddedChannel ch = new EmbeddedChannel(new ProxyProtocolHandler("auto", List.of("*")),
                new Http1RequestDecoder(ParserConfig.defaults()));
        List<RequestHead> heads = new ArrayList<>();
        List<byte[]> bodies = new ArrayList<>();
        RequestError[] error = {null};
        StringBuilder written = new StringBuilder();
        ByteArrayOutputStream[] body = {null};
        Runnable drain = () -> {
            for (Object msg; (msg = ch.readInbound()) != null; ) {
                if (msg instanceof RequestHead h) {
                    heads.add(h);
                    body[0] = new ByteArrayOutputStream();
                } else if (msg instanceof BodyChunk c) {
                    try {
                        ByteBuf b = c.content();
                        byte[] bytes = new byte[b.readableBytes()];
                        b.getBytes(b.readerIndex(), bytes);
                        body[0].writeBytes(bytes);
                    } finally {
                        c.release();
                    }
                } else if (msg instanceof BodyEnd) {
                    bodies.add(body[0].toByteArray());
                } else if (msg instanceof RequestError e) {
                    error[0] = e;
                } else {
                    throw new AssertionError("unexpected " + msg);
                }
            }
            for (Object msg; (msg = ch.readOutbound()) != null; ) {
                ByteBuf b = (ByteBuf) msg;
                written.append(b.toString(StandardCharsets.ISO_8859_1));
                b.release();
            }
        };
        try {
            for (byte[] part : parts) {
                if (!ch.isOpen()) break;
                ch.writeInbound(Unpooled.wrappedBuffer(part));
                drain.run();
            }
            ch.finish();
            drain.run();
        } finally {
            ch.finishAndReleaseAll();
        }
        return new Decoded(heads, bodies, error[0], written.toString(), ch.attr(ProxyProtocolHandler.SOURCE).get(),
                ch.attr(ProxyProtocolHandler.DESTINATION).get());
    }

    @TestFactory
    Stream<DynamicTest> gunicornProxyProtocolCases() throws IOException {
        JsonNode all = new ObjectMapper().readTree(CASES.toFile());
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : all) {
            if (!c.has("cfg") || !c.get("cfg").has("proxy_protocol")) continue;
            assertEquals("auto", c.get("cfg").get("proxy_protocol").asText());
            String name = c.get("name").asText();
            byte[] raw = Base64.getDecoder().decode(c.get("raw_base64").asText());
            tests.add(DynamicTest.dynamicTest(name, () -> check(c, decode(raw))));
            tests.add(DynamicTest.dynamicTest(name + " byte by byte", () -> check(c, decode(byteByByte(raw)))));
        }
        assertEquals(16, tests.size(), "expected the 8 proxy_protocol cases");
        return tests.stream();
    }

    private static void check(JsonNode c, Decoded d) {
        if (c.get("kind").asText().equals("valid")) {
            JsonNode expect = c.get("expect");
            assertNull(d.error(), () -> "unexpected error " + d.error());
            assertEquals("", d.written());
            assertEquals(expect.size(), d.heads().size(), "requests");
            assertEquals(expect.size(), d.bodies().size(), "complete requests");
            for (int i = 0; i < expect.size(); i++) {
                JsonNode e = expect.get(i);
                RequestHead h = d.heads().get(i);
                assertEquals(e.get("method").asText(), h.method());
                assertEquals(e.get("uri").asText(), h.uri());
                assertEquals(e.get("version").get(1).asInt(), h.minor());
                assertArrayEquals(Base64.getDecoder().decode(e.get("body_base64").asText()), d.bodies().get(i));
            }
            JsonNode info = expect.get(0).get("proxy_protocol_info_observed");
            if (info == null) {
                assertNull(d.source(), "no PROXY header, no SOURCE");
            } else {
                assertNotNull(d.source(), "SOURCE");
                InetAddress client = NetUtil.createInetAddressFromIpAddressString(info.get("client_addr").asText());
                assertEquals(new InetSocketAddress(client, info.get("client_port").asInt()), d.source());
                InetAddress proxy = NetUtil.createInetAddressFromIpAddressString(info.get("proxy_addr").asText());
                assertEquals(new InetSocketAddress(proxy, info.get("proxy_port").asInt()), d.destination());
            }
        } else {
            int expected = c.get("expect").get("status").asInt();
            int status;
            if (!d.written().isEmpty()) {
                assertTrue(d.written().startsWith("HTTP/1.1 "), d.written());
                status = Integer.parseInt(d.written().substring(9, 12));
            } else {
                assertNotNull(d.error(), "neither an error page nor a RequestError");
                status = d.error().status();
            }
            assertTrue(status >= 400 && status < 500, "status " + status);
            assertEquals(expected, status);
            assertTrue(d.heads().isEmpty(), "no request may get through");
            assertNull(d.source());
        }
    }
}
