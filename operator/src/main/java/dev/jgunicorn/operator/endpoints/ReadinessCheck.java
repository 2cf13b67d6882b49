package dev.jgunicorn.operator.endpoints;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * {@code helm test}'s check, run in the operator image (which has java and nothing like curl): GET a URL, exit 0 on
 * 200, 1 otherwise, with one line saying what came back.
 */
public final class ReadinessCheck {
    private ReadinessCheck() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: ReadinessCheck URL");
            System.exit(2);
        }
        System.exit(check(URI.create(args[0])));
    }

    /** 0 when {@code url} answers 200 within 10 s, else 1; prints the outcome. */
    static int check(URI url) {
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            System.out.println(url + ": " + r.statusCode() + " " + r.body().strip());
            return r.statusCode() == 200 ? 0 : 1;
        } catch (IOException e) {
            System.out.println(url + ": no answer (" + e + ")");
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }
}
