package dev.jgunicorn.testapps;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;

/** Test app that prints to stdout, for --capture-output. */
public class Chatty implements HttpHandler {
    @Override
    public void handle(HttpExchange ex) throws IOException {
        System.out.println("chatty app says hello from " + ex.getRequestURI());
        System.out.flush();
        ex.sendResponseHeaders(204, -1);
        ex.close();
    }
}
