package dev.jgunicorn.server;

import io.netty.buffer.ByteBuf;

/** One response's head and body on the wire, in its protocol's framing; called from the app's thread. */
interface ResponseWriter {

    /** A buffer the body's first bytes go into (already holding the head, for HTTP/1), or null. */
    ByteBuf takeFirstBuffer();

    /** Sends a piece of body (null = nothing new), preceded by the head if it has not left yet. */
    void write(ByteBuf data, boolean flush);

    /** Sends the last piece (or null) and hands the finished exchange back to its transport, as one step. */
    void finish(ByteBuf last);

    /** Frees what an aborted response still holds. */
    void discard();
}
