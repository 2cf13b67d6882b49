package dev.jgunicorn.arbiter;

import dev.jgunicorn.process.ProcessEnvironment;
import dev.jgunicorn.server.BindAddress;
import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.Settings;
import dev.jgunicorn.worker.MasterLink;
import dev.jgunicorn.worker.Worker;
import dev.jgunicorn.worker.WorkerIdentity;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.UnixChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The master's listening sockets. It binds every address once, or adopts what it inherits (systemd's sockets,
 * {@code fd://N} binds, the old master's sockets in a USR2 upgrade), and never accepts on them: the workers get
 * the descriptors over the worker link, so no worker restart ever closes a listener.
 */
final class Listeners {
    private static final Logger log = LoggerFactory.getLogger("gunicorn.error");

    private final List<Channel> channels;

    private Listeners(List<Channel> channels) {
        this.channels = channels;
    }

    /** No shared listeners: without epoll, or with --reuse-port, each worker binds its own. */
    static Listeners none() {
        return new Listeners(List.of());
    }

    /** Opens or adopts every listener on {@code group} and logs each address. */
    static Listeners open(EventLoopGroup group, Config config, WorkerIdentity identity) throws IOException {
        List<Channel> channels = new ArrayList<>();
        String upgradeFrom = System.getenv(ProcessEnvironment.UPGRADE_FROM);
        if (upgradeFrom != null) {
            // USR2: serve exactly the old master's sockets (a changed bind list takes a full restart, as in Gunicorn)
            String listed = System.getenv().getOrDefault(ProcessEnvironment.LISTENERS, "");
            List<String> oldKinds = listed.isEmpty() ? List.of() : List.of(listed.split(","));
            List<FileDescriptor> inherited = MasterLink.upgradeListeners(Path.of(upgradeFrom), oldKinds.size());
            for (int i = 0; i < inherited.size(); i++) {
                channels.add(adopt(group, new InheritedSockets.Inherited(inherited.get(i).intValue(), oldKinds.get(i).equals("unix"))));
            }
        } else {
            // As in Gunicorn: with systemd's sockets the bind list is ignored, except for fd:// entries.
            List<InheritedSockets.Inherited> systemd = InheritedSockets.fromSystemd(System.getenv());
            for (InheritedSockets.Inherited s : systemd) channels.add(adopt(group, s));
            for (String b : config.get(Settings.BIND)) {
                if (b.startsWith("fd://")) channels.add(adopt(group, InheritedSockets.fromBind(b)));
                else if (config.get(Settings.REUSE_PORT)) log.info("Listening at: {} in each worker (--reuse-port)", b);
                else if (systemd.isEmpty()) channels.add(bindWithRetries(group, config, identity, BindAddress.parse(b)));
            }
        }
        Listeners listeners = new Listeners(channels);
        for (String url : listeners.urls(config)) log.info("Listening at: {} ({})", url, ProcessHandle.current().pid());
        return listeners;
    }

    /** Serves an inherited listening descriptor (never accepting on it here, like the master's own listeners). */
    private static Channel adopt(EventLoopGroup group, InheritedSockets.Inherited s) throws IOException {
        Channel ch = s.unix() ? new EpollServerDomainSocketChannel(s.fd(), true) : new EpollServerSocketChannel(s.fd());
        ch.config().setAutoRead(false);
        try {
            group.register(ch).sync();
        } catch (Exception e) {
            throw new IOException("cannot use inherited descriptor " + s.fd() + ": " + e.getMessage(), e);
        }
        return ch;
    }

    /** As Gunicorn: a bind that fails is retried 5 times, a second apart, before the master gives up. */
    private static Channel bindWithRetries(EventLoopGroup group, Config config, WorkerIdentity identity,
                                           SocketAddress address) throws IOException {
        boolean unix = address instanceof DomainSocketAddress;
        if (unix) {
            File f = new File(((DomainSocketAddress) address).path());
            if (f.exists()) f.delete(); // a stale socket file from an earlier run
        }
        ServerBootstrap b = new ServerBootstrap().group(group)
                .channel(unix ? EpollServerDomainSocketChannel.class : EpollServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, config.get(Settings.BACKLOG))
                .option(ChannelOption.AUTO_READ, false) // the master never accepts: workers do
                .childHandler(new ChannelInboundHandlerAdapter());
        if (!unix) b.option(ChannelOption.SO_REUSEADDR, true);
        IOException last = null;
        for (int attempt = 1; attempt <= 5; attempt++) {
            try {
                Channel ch = b.bind(address).sync().channel();
                if (unix) identity.applyToSocketFile(Path.of(((DomainSocketAddress) address).path()));
                return ch;
            } catch (Exception e) {
                last = new IOException("Connection in use: " + address + " (" + e.getMessage() + ")", e);
                log.error("{}; retrying in 1 second.", last.getMessage());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        throw new IOException("Can't connect to " + address + ": " + last.getMessage());
    }

    List<Channel> channels() {
        return channels;
    }

    boolean isEmpty() {
        return channels.isEmpty();
    }

    /** The descriptors the workers serve, in bind order. */
    List<FileDescriptor> descriptors() {
        return channels.stream().map(ch -> ((UnixChannel) ch).fd()).toList();
    }

    /** Each listener's kind, in bind order, as the workers expect them: "tcp" or "unix", comma separated. */
    String kinds() {
        return String.join(",", channels.stream().map(ch -> ch instanceof EpollServerDomainSocketChannel ? "unix" : "tcp").toList());
    }

    /** Each listener's address as the logs and show listeners give it. */
    List<String> urls(Config config) {
        boolean tls = config.get(Settings.CERTFILE) != null;
        return channels.stream().map(ch -> Worker.url(ch.localAddress(), tls)).toList();
    }

    /**
     * Closes every listener; {@code handedOver}: the new master of an upgrade serves them too, so a Unix listener
     * is only deregistered (closing one we bound unlinks its path).
     */
    void close(boolean handedOver) {
        for (Channel l : channels) {
            if (handedOver && l instanceof EpollServerDomainSocketChannel) l.deregister().syncUninterruptibly();
            else l.close().syncUninterruptibly();
        }
    }
}
