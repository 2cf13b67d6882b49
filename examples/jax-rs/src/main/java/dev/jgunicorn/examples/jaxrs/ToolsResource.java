package dev.jgunicorn.examples.jaxrs;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.StreamingOutput;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Path and query parameters, a streamed answer and an upload echoed back. */
@Path("/")
public final class ToolsResource {
    @GET
    @Path("/greet/{name}")
    @Produces(MediaType.TEXT_PLAIN)
    public String greet(@PathParam("name") String name, @QueryParam("greeting") @DefaultValue("Hello") String greeting) {
        return greeting + ", " + name + "!";
    }

    /** The numbers 1..to, one a line, written as they are produced (no length known up front). */
    @GET
    @Path("/count")
    @Produces(MediaType.TEXT_PLAIN)
    public StreamingOutput count(@QueryParam("to") @DefaultValue("10") int to) {
        return out -> {
            for (int i = 1; i <= to; i++) {
                out.write((i + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        };
    }

    /** The request body back as it came, streamed both ways. */
    @POST
    @Path("/echo")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public StreamingOutput echo(InputStream body) {
        return body::transferTo;
    }
}
