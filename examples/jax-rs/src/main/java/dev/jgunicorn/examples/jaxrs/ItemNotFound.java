package dev.jgunicorn.examples.jaxrs;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** Thrown for an id the catalog does not have; {@link Mapper} answers it with a JSON 404. */
public final class ItemNotFound extends RuntimeException {
    final int id;

    public ItemNotFound(int id) {
        super("no item " + id);
        this.id = id;
    }

    @Provider
    public static final class Mapper implements ExceptionMapper<ItemNotFound> {
        @Override
        public Response toResponse(ItemNotFound e) {
            return Response.status(Response.Status.NOT_FOUND).type(MediaType.APPLICATION_JSON_TYPE)
                    .entity(new Problem(e.getMessage(), e.id)).build();
        }
    }

    /** The JSON body of the 404. */
    public record Problem(String error, int id) {
    }
}
