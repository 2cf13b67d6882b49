package dev.jgunicorn.server;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A raw HTTP/2 client for tests that need frames no well-behaved client sends: the preface, frames written byte by
 * byte, and the frames the server answers with.
 */
final class H2Frames implements AutoCloseable {
    static final int DATA = 0, HEADERS = 1, RST_STREAM = 3, SETTINGS = 4, PING = 6, GOAWAY = 7, CONTINUATION = 9;
    static final int END_STREAM = 0x1, END_HEADERS = 0x4;
    static final int NO_ERROR = 0, PROTOCOL_ERROR = 0x1, STREAM_CLOSED = 0x5, CANCEL = 0x8, ENHANCE_YOUR_CALM = 0xb;
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    record Frame(int type, int flags, int stream, byte[] payload) {
        /** A GOAWAY's last stream ID. */
        int lastStreamId() {
            return ByteBuffer.wrap(payload).getInt(0) & 0x7fffffff;
        }

        /** A GOAWAY's or RST_STREAM's error code. */
        int errorCode() {
            ByteBuffer b = ByteBuffer.wrap(payload);
            return type == GOAWAY ? b.getInt(4) : b.getInt(0);
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;

    H2Frames(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
    }

    /** The connection preface and an empty SETTINGS frame. */
    H2Frames start() throws IOException {
        out.write(PREFACE);
        send(SETTINGS, 0, 0, new byte[0]);
        return this;
    }

    void send(int type, int flags, int stream, byte[] payload) throws IOException {
        out.write(frame(type, flags, stream, payload));
        out.flush();
    }

    static byte[] frame(int type, int flags, int stream, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(9 + payload.length);
        b.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
        b.put((byte) type).put((byte) flags).putInt(stream).put(payload);
        return b.array();
    }

    /** A request head in HPACK without Huffman coding or indexing: {@code METHOD path} with :scheme http. */
    static byte[] requestHeaders(String method, String path) {
        ByteBuffer b = ByteBuffer.allocate(256 + path.length());
        literal(b, 2, method); // :method
        b.put((byte) 0x86);    // :scheme http
        literal(b, 4, path);   // :path
        literal(b, 1, "127.0.0.1"); // :authority
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    /** A literal field without indexing whose name is static-table entry {@code index} (RFC 7541 §6.2.2). */
    static void literal(ByteBuffer b, int index, String value) {
        b.put((byte) index);
        length(b, value.length());
        b.put(value.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** A literal field without indexing with a new name. */
    static void literal(ByteBuffer b, String name, String value) {
        b.put((byte) 0);
        length(b, name.length());
        b.put(name.getBytes(StandardCharsets.ISO_8859_1));
        length(b, value.length());
        b.put(value.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** An HPACK string length with a 7-bit prefix, not Huffman-coded. */
    private static void length(ByteBuffer b, int n) {
        if (n < 127) {
            b.put((byte) n);
            return;
        }
        b.put((byte) 127);
        n -= 127;
        while (n >= 128) {
            b.put((byte) ((n & 0x7f) | 0x80));
            n >>>= 7;
        }
        b.put((byte) n);
    }

    static byte[] errorCode(int code) {
        return ByteBuffer.allocate(4).putInt(code).array();
    }

    /** The next frame, or null when the server closed the connection (or sent nothing for ten seconds). */
    Frame read() throws IOException {
        try {
            int len = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int stream = in.readInt() & 0x7fffffff;
            byte[] payload = new byte[len];
            in.readFully(payload);
            return new Frame(type, flags, stream, payload);
        } catch (EOFException | SocketTimeoutException | java.net.SocketException closed) {
            return null;
        }
    }

    /** Reads until a frame of this type arrives (returned) or the connection ends (null). */
    Frame readUntil(int type) throws IOException {
        Frame f;
        while ((f = read()) != null) {
            if (f.type() == type) return f;
        }
        return null;
    }

    /** The :status of a response's HEADERS frame, when it is the first the connection carried (an empty HPACK table). */
    static String status(Frame headers) throws io.netty.handler.codec.http2.Http2Exception {
        return new io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder(false)
                .decodeHeaders(headers.stream(), io.netty.buffer.Unpooled.wrappedBuffer(headers.payload())).status().toString();
    }

    /** Reads the rest of the request's answer on {@code stream}: true once its last frame (END_STREAM) arrived. */
    boolean readResponse(int stream) throws IOException {
        Frame f;
        while ((f = read()) != null) {
            if (f.stream() == stream && (f.type() == DATA || f.type() == HEADERS) && (f.flags() & END_STREAM) != 0) return true;
        }
        return false;
    }

    /**
     * Drops what the server sends until it closes the connection: true when it did, false when ten seconds passed
     * without a byte and the connection still open.
     */
    boolean closedByServer() throws IOException {
        try {
            while (in.read(new byte[8192]) >= 0) {
                // what the server said before closing does not matter here
            }
            return true;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (java.net.SocketException reset) {
            return true;
        }
    }

    /** The raw bytes the server sends until it closes (for answers that are not HTTP/2). */
    String readText() {
        return TestServer.readAll(in);
    }

    OutputStream out() {
        return out;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
