package dev.jgunicorn.examples.jaxrs;

import com.sun.net.httpserver.HttpHandler;
import org.glassfish.jersey.CommonProperties;
import org.glassfish.jersey.jackson.JacksonFeature;
import org.glassfish.jersey.jdkhttp.JdkHttpHandlerContainer;
import org.glassfish.jersey.server.ContainerFactory;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.server.ServerProperties;

/**
 * A plain Jersey app for the JDK's HTTP server. jgunicorn runs it unchanged with
 * {@code bin/jgunicorn --classpath ... dev.jgunicorn.examples.jaxrs.CatalogApp:handler}: the APP is the static method
 * that turns the resource config into Jersey's {@link JdkHttpHandlerContainer}, an ordinary HttpHandler.
 */
public final class CatalogApp extends ResourceConfig {
    public CatalogApp() {
        register(JacksonFeature.class);
        register(ItemsResource.class);
        register(ToolsResource.class);
        register(ItemNotFound.Mapper.class);
        // WADL needs a JAXB implementation this app does not carry; without this Jersey warns at every start
        property(ServerProperties.WADL_FEATURE_DISABLE, true);
        // The writer for java.awt images needs java.desktop, which the runtime image's JRE leaves out; without this
        // Jersey warns at every start there. The app writes no images.
        property(CommonProperties.PROVIDER_DEFAULT_DISABLE, "RENDEREDIMAGE");
    }

    /** The APP for jgunicorn, and what {@code HttpServer.createContext("/", CatalogApp.handler())} would mount. */
    public static HttpHandler handler() {
        return ContainerFactory.createContainer(JdkHttpHandlerContainer.class, new CatalogApp());
    }
}
