package dev.jgunicorn.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;

/** The small HTML error page Gunicorn answers bad requests with; always followed by closing the connection. */
public final class ErrorPage {
    private ErrorPage() {
    }

    /** @param forHead the request was HEAD: the head alone, with the page's Content-Length as GET would get it */
    public static ByteBuf render(ByteBufAllocator alloc, int status, String reason, String message, boolean forHead) {
        byte[] b = body(reason, message).getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " " + reason + "\r\nServer: jgunicorn\r\nDate: " + HttpDate.now()
                + "\r\nConnection: close\r\nContent-Type: text/html\r\nContent-Length: " + b.length + "\r\n\r\n";
        ByteBuf out = alloc.buffer(head.length() + (forHead ? 0 : b.length));
        out.writeCharSequence(head, StandardCharsets.ISO_8859_1);
        if (!forHead) out.writeBytes(b);
        return out;
    }

    /** The page itself, for HTTP/2 where the head is a frame of its own. */
    public static String body(String reason, String message) {
        return "<html>\n  <head>\n    <title>" + reason + "</title>\n  </head>\n  <body>\n    <h1><p>" + reason
                + "</p></h1>\n    " + escape(message) + "\n  </body>\n</html>\n";
    }

    public static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#x27;");
    }
}
