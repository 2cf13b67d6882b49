package dev.jgunicorn.server;

import dev.jgunicorn.settings.Settings;
import dev.jgunicorn.settings.Config;
import dev.jgunicorn.bench.NettyHello;
import dev.jgunicorn.demo.Hello;
import dev.jgunicorn.http.Http1RequestDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * One keep-alive GET to the Hello app through the whole request-to-response path on one thread, without sockets:
 * jgunicorn's eventloop pipeline ({@link ConnectionDeadline}, {@link Http1RequestDecoder}, {@link Connection},
 * {@link Exchange}, the response head and body encoding, the JDK Hello handler) against raw Netty's HttpServerCodec
 * and hello handler ({@link NettyHello.Handler}). It lives in the runtime's package to build each connection's
 * pipeline with WorkerServer's own initializer.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ResponsePathBench {
    private static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private ByteBuf request;
    private JgunicornHttpServer server;
    private EmbeddedChannel jgunicorn;
    private EmbeddedChannel netty;

    @Setup(Level.Trial)
    public void setup() {
        request = Unpooled.directBuffer(REQUEST.length).writeBytes(REQUEST);
        server = new JgunicornHttpServer(ServerOptions.from(Config.defaults().with(Settings.WORKER_CLASS, "eventloop")));
        WorkerServer worker = server.worker();
        worker.createContext("/", new Hello());
        jgunicorn = new EmbeddedChannel(worker.connectionPipeline());
        netty = new EmbeddedChannel(new HttpServerCodec(), new NettyHello.Handler());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        jgunicorn.finishAndReleaseAll();
        netty.finishAndReleaseAll();
        server.stop(0);
        request.release();
    }

    @Benchmark
    public int jgunicorn(Blackhole bh) {
        return roundTrip(jgunicorn, bh);
    }

    @Benchmark
    public int netty(Blackhole bh) {
        return roundTrip(netty, bh);
    }

    private int roundTrip(EmbeddedChannel ch, Blackhole bh) {
        ch.writeInbound(request.retainedDuplicate());
        ch.runPendingTasks(); // jgunicorn completes the exchange in a task on the loop
        ch.flushOutbound();   // raw Netty flushes at the end of the read
        int bytes = 0;
        Object m;
        while ((m = ch.readOutbound()) != null) {
            if (m instanceof ByteBuf b) bytes += b.readableBytes();
            bh.consume(m);
            ReferenceCountUtil.release(m);
        }
        if (bytes == 0) throw new IllegalStateException("no response");
        return bytes;
    }
}
