package dev.jgunicorn.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/** A piece of the current request's body, de-chunked. The receiver releases it. */
public final class BodyChunk extends DefaultByteBufHolder {
    public BodyChunk(ByteBuf content) {
        super(content);
    }
}
