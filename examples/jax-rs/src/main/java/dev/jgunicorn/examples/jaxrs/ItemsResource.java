package dev.jgunicorn.examples.jaxrs;

import jakarta.inject.Singleton;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import java.util.Date;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** JSON in and out, an ETag and Last-Modified with conditional GET, Location on create, a mapped exception. */
@Path("/items")
@Singleton
@Produces(MediaType.APPLICATION_JSON)
public final class ItemsResource {
    /** When every item was last changed: a fixed instant, so the answer is the same on every server. */
    private static final Date CHANGED = new Date(1_767_225_600_000L);

    private final Map<Integer, Item> items = new ConcurrentHashMap<>(Map.of(
            1, new Item(1, "teapot", 1850),
            2, new Item(2, "kettle", 3200)));
    private final AtomicInteger nextId = new AtomicInteger(100);

    @GET
    @Path("/{id}")
    public Response get(@PathParam("id") int id, @Context Request request) {
        Item item = items.get(id);
        if (item == null) throw new ItemNotFound(id);
        EntityTag tag = new EntityTag(Integer.toHexString(item.hashCode()));
        Response.ResponseBuilder notModified = request.evaluatePreconditions(CHANGED, tag);
        if (notModified != null) return notModified.build();
        return Response.ok(item).tag(tag).lastModified(CHANGED).build();
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(Item item, @Context UriInfo uri) {
        Item stored = new Item(nextId.getAndIncrement(), item.name(), item.priceCents());
        items.put(stored.id(), stored);
        return Response.created(uri.getAbsolutePathBuilder().path(Integer.toString(stored.id())).build())
                .entity(stored).build();
    }
}
