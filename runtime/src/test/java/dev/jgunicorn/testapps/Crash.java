package dev.jgunicorn.testapps;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;

/** Test app: /crash ends the worker process at once (exit code 1), anything else answers 200 "alive". */
public class Crash implements HttpHandler {
    @Override
    public void handle(HttpExchange ex) throws IOException {
        if (ex.getRequestURI().getPath().equals("/crash")) Runtime.getRuntime().halt(1);
        ex.sendResponseHeaders(200, 5);
        ex.getResponseBody().write("alive".getBytes());
        ex.close();
    }
}
