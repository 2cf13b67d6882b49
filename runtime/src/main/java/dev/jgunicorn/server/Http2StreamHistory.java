package dev.jgunicorn.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameTypes;

/**
 * What Netty's HTTP/2 codec forgets once a stream closes: which client streams sent END_STREAM, and which stream IDs
 * the client skipped. Without it the codec cannot tell a HEADERS frame on such a stream from trailers or from a
 * frame for a stream it reset, and answers with a stream reset where RFC 9113 asks for a connection error:
 * STREAM_CLOSED for HEADERS after END_STREAM (§5.1, half-closed (remote) or closed), PROTOCOL_ERROR for an ID below
 * one already used that never opened (§5.1.1). It sits in front of the codec and reads only the frame headers,
 * passing the bytes on uncopied; on such a frame it hands the codec the bytes before it and the connection error,
 * which the codec answers with GOAWAY and a close. Trailers (HEADERS on a stream the client has not ended) and frames
 * for streams reset by either side stay the codec's. Bounded: the last {@link #REMEMBERED} ended streams and skipped
 * ranges; older ones are left to the codec.
 */
final class Http2StreamHistory extends ChannelInboundHandlerAdapter {
    static final int REMEMBERED = 32;

    private int prefaceLeft = Http2CodecUtil.connectionPrefaceBuf().readableBytes();
    private final byte[] header = new byte[Http2CodecUtil.FRAME_HEADER_LENGTH];
    private int headerRead;
    private int payloadLeft;
    /** The highest stream ID the client opened with HEADERS; -1 before the first, so that 1 is the next. */
    private int highest = -1;
    /** Client streams that sent END_STREAM, the latest {@link #REMEMBERED}; 0 (never a client stream) is empty. */
    private final int[] ended = new int[REMEMBERED];
    private int endedNext;
    /** Ranges of client stream IDs implicitly closed by a higher first use (§5.1.1), as [from, to] pairs. */
    private final int[] skipped = new int[2 * REMEMBERED];
    private int skippedNext;
    private boolean failed;

    /** After {@code Upgrade: h2c}: stream 1 is the upgrade request, opened and ended by the client (RFC 9113 §3.2). */
    void upgraded() {
        highest = Http2CodecUtil.HTTP_UPGRADE_STREAM_ID;
        ended(highest);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (failed) {
            in.release();
            return;
        }
        int i = in.readerIndex();
        int end = in.writerIndex();
        while (i < end) {
            if (prefaceLeft > 0 || payloadLeft > 0) {
                int n = Math.min(end - i, prefaceLeft > 0 ? prefaceLeft : payloadLeft);
                if (prefaceLeft > 0) prefaceLeft -= n;
                else payloadLeft -= n;
                i += n;
                continue;
            }
            int n = Math.min(end - i, header.length - headerRead);
            in.getBytes(i, header, headerRead, n);
            headerRead += n;
            i += n;
            if (headerRead < header.length) break;
            headerRead = 0;
            payloadLeft = (header[0] & 0xff) << 16 | (header[1] & 0xff) << 8 | header[2] & 0xff;
            int streamId = ((header[5] & 0x7f) << 24 | (header[6] & 0xff) << 16 | (header[7] & 0xff) << 8 | header[8] & 0xff);
            Http2Exception error = frame(header[3], header[4], streamId);
            if (error != null) {
                failed = true;
                int before = Math.max(in.readerIndex(), i - header.length);
                ByteBuf earlier = in.retainedSlice(in.readerIndex(), before - in.readerIndex());
                in.release();
                ctx.fireChannelRead(earlier);
                ctx.fireExceptionCaught(error);
                return;
            }
        }
        ctx.fireChannelRead(in);
    }

    /** The connection error a client frame with this header is, or null (the codec judges everything else). */
    private Http2Exception frame(byte type, byte flags, int streamId) {
        if (streamId % 2 == 0 || streamId > highest && type != Http2FrameTypes.HEADERS) return null;
        boolean endStream = (flags & Http2Flags.END_STREAM) != 0;
        if (type == Http2FrameTypes.HEADERS) {
            if (streamId > highest) {
                if (streamId > highest + 2L) {
                    skipped[skippedNext] = highest + 2;
                    skipped[skippedNext + 1] = streamId - 2;
                    skippedNext = (skippedNext + 2) % skipped.length;
                }
                highest = streamId;
            } else if (wasEnded(streamId)) {
                return Http2Exception.connectionError(Http2Error.STREAM_CLOSED,
                        "HEADERS on stream %d after its END_STREAM", streamId);
            } else if (wasSkipped(streamId)) {
                return Http2Exception.connectionError(Http2Error.PROTOCOL_ERROR,
                        "HEADERS opening stream %d after stream %d: stream IDs must increase", streamId, highest);
            }
        } else if (type != Http2FrameTypes.DATA) {
            return null;
        }
        if (endStream) ended(streamId);
        return null;
    }

    private void ended(int streamId) {
        ended[endedNext] = streamId;
        endedNext = (endedNext + 1) % ended.length;
    }

    private boolean wasEnded(int streamId) {
        for (int id : ended) {
            if (id == streamId) return true;
        }
        return false;
    }

    private boolean wasSkipped(int streamId) {
        for (int k = 0; k < skipped.length; k += 2) {
            if (streamId >= skipped[k] && streamId <= skipped[k + 1]) return true;
        }
        return false;
    }
}
