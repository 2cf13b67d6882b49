package dev.jgunicorn.worker;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A worker's end of the worker link (the master's end is {@code dev.jgunicorn.arbiter.WorkerLinkServer}). It runs
 * on its own small event loop, so a worker whose serving loops are stuck can still be reported on, and it notices
 * at once when the master is gone.
 */
public final class MasterLink implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("jgunicorn-link", true),
            EpollIoHandler.newFactory());
    private final Channel channel;
    private final CompletableFuture<List<FileDescriptor>> listeners = new CompletableFuture<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final CompletableFuture<Void> retire = new CompletableFuture<>();

    MasterLink(Path socket, int worker, int expectedListeners) throws IOException {
        this(socket, "hello " + worker, expectedListeners);
    }

    /** A new master's link to the old one during USR2: it only takes the listening sockets. */
    public static List<FileDescriptor> upgradeListeners(Path socket, int expectedListeners) throws IOException {
        MasterLink link = new MasterLink(socket, "hello upgrade", expectedListeners);
        try {
            return link.listeners(30);
        } finally {
            link.close();
        }
    }

    private MasterLink(Path socket, String hello, int expectedListeners) throws IOException {
        List<FileDescriptor> received = new ArrayList<>();
        try {
            channel = new Bootstrap().group(group).channel(EpollDomainSocketChannel.class)
                    .option(UnixChannelOption.DOMAIN_SOCKET_READ_MODE, DomainSocketReadMode.FILE_DESCRIPTORS)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            if (msg instanceof FileDescriptor fd) {
                                received.add(fd);
                                if (received.size() == expectedListeners) {
                                    listeners.complete(List.copyOf(received));
                                    readLines(ctx.channel());
                                }
                            } else if (msg instanceof String line && line.strip().equals("retire")) {
                                retire.complete(null);
                            } else {
                                ReferenceCountUtil.release(msg);
                            }
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext ctx) {
                            listeners.completeExceptionally(new IOException("the master closed the worker link"));
                            closed.complete(null);
                        }
                    })
                    .connect(new DomainSocketAddress(socket.toFile())).sync().channel();
        } catch (Exception e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IOException("cannot reach the master at " + socket + ": " + e.getMessage(), e);
        }
        send(hello);
        if (expectedListeners == 0) {
            listeners.complete(List.of());
            channel.eventLoop().execute(() -> readLines(channel));
        }
    }

    /** After the descriptors, the master's messages are text lines. */
    private static void readLines(Channel ch) {
        ch.config().setOption(UnixChannelOption.DOMAIN_SOCKET_READ_MODE, DomainSocketReadMode.BYTES);
        ch.pipeline().addFirst(new LineBasedFrameDecoder(256), new StringDecoder(StandardCharsets.US_ASCII));
    }

    /** Completes when the master asks this worker to retire: stop accepting now, finish, exit. */
    CompletableFuture<Void> retire() {
        return retire;
    }

    /** The listening sockets the master passed, in bind order. */
    List<FileDescriptor> listeners(long seconds) throws IOException {
        try {
            return listeners.get(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the listeners");
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("the master did not pass the listening sockets within " + seconds + " s");
        }
    }

    /** Completes when the master goes away (it exited, or was killed). */
    CompletableFuture<Void> closed() {
        return closed;
    }

    void send(String line) {
        channel.writeAndFlush(line(line));
    }

    /** One message of the worker link, framed as both ends read it: a line of ASCII. */
    public static ByteBuf line(String s) {
        return Unpooled.copiedBuffer(s + "\n", StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
