package dev.jgunicorn.arbiter;

import dev.jgunicorn.worker.MasterLink;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.FileDescriptor;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The master's end of the worker link: a Unix socket each worker connects to. A worker says
 * {@code hello N}, receives the listening sockets (SCM_RIGHTS), then reports {@code booted}, a
 * {@code beat REQUESTS CONNECTIONS} each second while its event loops run, and {@code recycle} before it leaves
 * after max_requests. The master may send {@code retire}. A new master started by USR2 says {@code hello upgrade}
 * and only takes the sockets. The master's loop reads the resulting {@link Report}s; nothing here decides anything.
 */
final class WorkerLinkServer implements AutoCloseable {
    /** What the master knows of one worker from its messages (written by the control thread, read by the loop). */
    static final class Report {
        volatile Channel channel;
        volatile boolean booted;
        volatile long bootedNanos;
        volatile long lastBeat = System.nanoTime();
        volatile boolean recycling;
        volatile long requests;
        volatile int connections;
    }

    private final Map<Integer, Report> reports = new ConcurrentHashMap<>();
    private final Channel server;
    private final Path path;

    WorkerLinkServer(EventLoopGroup group, Path path, List<FileDescriptor> listeners) throws InterruptedException {
        this.path = path;
        this.server = new ServerBootstrap().group(group).channel(EpollServerDomainSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new LineBasedFrameDecoder(256), new StringDecoder(StandardCharsets.US_ASCII),
                                new SimpleChannelInboundHandler<String>() {
                                    private Report report;

                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, String line) {
                                        if (line.strip().equals("hello upgrade")) {
                                            for (FileDescriptor fd : listeners) ctx.write(fd);
                                            ctx.flush();
                                        } else if (line.startsWith("hello ")) {
                                            report = report(Integer.parseInt(line.substring(6).strip()));
                                            report.channel = ctx.channel();
                                            for (FileDescriptor fd : listeners) ctx.write(fd);
                                            ctx.flush();
                                        } else if (report == null) {
                                            ctx.close(); // not one of our workers
                                        } else {
                                            String[] words = line.strip().split(" ");
                                            switch (words[0]) {
                                                case "booted" -> {
                                                    report.bootedNanos = System.nanoTime();
                                                    report.booted = true;
                                                }
                                                case "beat" -> {
                                                    report.lastBeat = System.nanoTime();
                                                    if (words.length == 3) {
                                                        report.requests = Long.parseLong(words[1]);
                                                        report.connections = Integer.parseInt(words[2]);
                                                    }
                                                }
                                                case "recycle" -> report.recycling = true;
                                                default -> { }
                                            }
                                        }
                                    }
                                });
                    }
                })
                .bind(new DomainSocketAddress(path.toFile())).sync().channel();
    }

    Path path() {
        return path;
    }

    /** The report of worker {@code n}, created when the master starts it. */
    Report report(int n) {
        return reports.computeIfAbsent(n, k -> new Report());
    }

    /** Asks worker {@code n} to stop accepting and leave once its requests are done (reload, TTOU). */
    boolean retire(int n) {
        Report r = reports.get(n);
        Channel ch = r == null ? null : r.channel;
        if (ch == null || !ch.isActive()) return false;
        ch.writeAndFlush(MasterLink.line("retire"));
        return true;
    }

    void forget(int n) {
        reports.remove(n);
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        path.toFile().delete();
    }
}
