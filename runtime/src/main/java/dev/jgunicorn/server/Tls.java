package dev.jgunicorn.server;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import io.netty.channel.Channel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * TLS for a worker's listeners: from Gunicorn's certfile/keyfile/ca_certs/cert_reqs/ciphers settings, or from the
 * {@link HttpsConfigurator} of an app that created an HttpsServer. Makes one SslHandler per connection.
 */
public interface Tls {

    SslHandler newHandler(Channel channel);

    /** Whether ALPN may choose HTTP/2 on these connections ({@link AlpnProtocols} then picks the pipeline). */
    default boolean negotiatesHttp2() {
        return false;
    }

    /**
     * Gunicorn's settings: PEM certificate chain and PKCS#8 key, optional CA bundle for client certificates, and the
     * ALPN protocol names to offer in preference order ("h2", "http/1.1"; none for no ALPN).
     */
    static Tls fromFiles(Path base, String certfile, String keyfile, String caCerts, int certReqs, String ciphers,
                         List<String> alpn) {
        if (certfile == null || keyfile == null) {
            throw new IllegalArgumentException("TLS needs both certfile and keyfile (got certfile=" + certfile + ", keyfile=" + keyfile + ")");
        }
        File cert = existing(base, certfile, "certfile");
        File key = existing(base, keyfile, "keyfile");
        SslContext ctx;
        try {
            SslContextBuilder b = SslContextBuilder.forServer(cert, key)
                    .clientAuth(switch (certReqs) {
                        case 1 -> ClientAuth.OPTIONAL;
                        case 2 -> ClientAuth.REQUIRE;
                        default -> ClientAuth.NONE;
                    });
            if (caCerts != null) b.trustManager(existing(base, caCerts, "ca_certs"));
            if (ciphers != null && !ciphers.isBlank()) {
                List<String> list = Arrays.stream(ciphers.split("[:,\\s]+")).filter(s -> !s.isEmpty()).toList();
                b.ciphers(list, IdentityCipherSuiteFilter.INSTANCE);
            }
            if (!alpn.isEmpty()) {
                // the server's order wins: Netty's selector takes the first of ours the client also offers
                b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn));
            }
            ctx = b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("TLS setup failed (certfile " + certfile + ", keyfile " + keyfile + "): " + e.getMessage(), e);
        }
        boolean h2 = alpn.contains(ApplicationProtocolNames.HTTP_2);
        return new Tls() {
            @Override
            public SslHandler newHandler(Channel channel) {
                return ctx.newHandler(channel.alloc());
            }

            @Override
            public boolean negotiatesHttp2() {
                return h2;
            }
        };
    }

    /** The JDK HttpsServer contract: the configurator's SSLContext, adjusted per connection by configure(). */
    static Tls fromConfigurator(HttpsConfigurator configurator) {
        SslContext ctx = new JdkSslContext(configurator.getSSLContext(), false, ClientAuth.NONE);
        return ch -> {
            SSLEngine engine = ctx.newEngine(ch.alloc());
            Parameters p = new Parameters(configurator,
                    ch.remoteAddress() instanceof InetSocketAddress i ? i : null);
            configurator.configure(p);
            p.applyTo(engine);
            return new SslHandler(engine);
        };
    }

    private static File existing(Path base, String name, String setting) {
        File f = base.resolve(name).toFile();
        if (!f.isFile()) throw new IllegalArgumentException(setting + " " + name + " does not exist");
        return f;
    }

    /** What HttpsConfigurator.configure() sets, applied to the connection's SSLEngine. */
    final class Parameters extends HttpsParameters {
        private final HttpsConfigurator configurator;
        private final InetSocketAddress client;
        private SSLParameters sslParameters;

        Parameters(HttpsConfigurator configurator, InetSocketAddress client) {
            this.configurator = configurator;
            this.client = client;
        }

        @Override
        public HttpsConfigurator getHttpsConfigurator() {
            return configurator;
        }

        @Override
        public InetSocketAddress getClientAddress() {
            return client;
        }

        @Override
        public void setSSLParameters(SSLParameters params) {
            this.sslParameters = params;
        }

        void applyTo(SSLEngine engine) {
            if (sslParameters != null) engine.setSSLParameters(sslParameters);
            if (getCipherSuites() != null) engine.setEnabledCipherSuites(getCipherSuites());
            if (getProtocols() != null) engine.setEnabledProtocols(getProtocols());
            if (getNeedClientAuth()) engine.setNeedClientAuth(true);
            else if (getWantClientAuth()) engine.setWantClientAuth(true);
        }
    }
}
