package dev.jgunicorn.compat;

import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.MediaType;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An asynchronous JAX-RS resource: the answer is resumed from another thread. Jersey's JDK HTTP container refuses to
 * suspend ("Method suspend is not supported by the container"), so it answers 500 on any HttpServer, the JDK's too;
 * the suite keeps it to show jgunicorn answers it as the JDK does (docs/compatibility.md says what to use instead).
 */
@Path("/later")
public final class LaterResource {
    @GET
    @Produces(MediaType.TEXT_PLAIN)
    public void later(@QueryParam("ms") @DefaultValue("20") long ms, @Suspended AsyncResponse response) {
        CompletableFuture.delayedExecutor(ms, TimeUnit.MILLISECONDS).execute(() -> response.resume("done after " + ms + " ms"));
    }
}
