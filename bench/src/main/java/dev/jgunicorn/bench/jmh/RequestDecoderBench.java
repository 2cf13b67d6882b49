package dev.jgunicorn.bench.jmh;

import dev.jgunicorn.http.Http1RequestDecoder;
import dev.jgunicorn.http.ParserConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.util.ReferenceCountUtil;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * jgunicorn's strict request decoder against Netty's HttpRequestDecoder on the same bytes, each in an
 * EmbeddedChannel (so both pay the same pipeline cost): one keep-alive GET per operation.
 * {@code wrk} is the request wrk sends; {@code browser} a GET with the dozen headers a browser sends.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RequestDecoderBench {
    static final String WRK = "GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n";
    static final String BROWSER = "GET /search?q=jgunicorn&page=2 HTTP/1.1\r\n"
            + "Host: www.example.com\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
            + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
            + "Accept-Language: en-US,en;q=0.5\r\n"
            + "Accept-Encoding: gzip, deflate, br, zstd\r\n"
            + "Referer: https://www.example.com/\r\n"
            + "Connection: keep-alive\r\n"
            + "Cookie: session=5f2b8c1e9a7d4e3f; theme=dark; consent=yes\r\n"
            + "Upgrade-Insecure-Requests: 1\r\n"
            + "Sec-Fetch-Dest: document\r\n"
            + "Sec-Fetch-Mode: navigate\r\n"
            + "Sec-Fetch-Site: same-origin\r\n"
            + "Priority: u=0, i\r\n"
            + "\r\n";

    @Param({"wrk", "browser"})
    public String request;

    private ByteBuf bytes;
    private EmbeddedChannel jgunicorn;
    private EmbeddedChannel netty;

    @Setup
    public void setup() {
        byte[] b = (request.equals("wrk") ? WRK : BROWSER).getBytes(StandardCharsets.US_ASCII);
        bytes = Unpooled.directBuffer(b.length).writeBytes(b);
        jgunicorn = new EmbeddedChannel(new Http1RequestDecoder(ParserConfig.defaults()));
        netty = new EmbeddedChannel(new HttpRequestDecoder());
    }

    @TearDown
    public void tearDown() {
        jgunicorn.finishAndReleaseAll();
        netty.finishAndReleaseAll();
        bytes.release();
    }

    @Benchmark
    public void jgunicorn(Blackhole bh) {
        decode(jgunicorn, bh);
    }

    @Benchmark
    public void netty(Blackhole bh) {
        decode(netty, bh);
    }

    private void decode(EmbeddedChannel ch, Blackhole bh) {
        ch.writeInbound(bytes.retainedDuplicate());
        Object m;
        while ((m = ch.readInbound()) != null) {
            bh.consume(m);
            ReferenceCountUtil.release(m);
        }
    }

    /** For a quick look without JMH: the decoders' output for one request. */
    public static void main(String[] args) {
        for (ChannelHandler h : new ChannelHandler[]{new Http1RequestDecoder(ParserConfig.defaults()), new HttpRequestDecoder()}) {
            EmbeddedChannel ch = new EmbeddedChannel(h);
            ch.writeInbound(Unpooled.copiedBuffer(BROWSER, StandardCharsets.US_ASCII));
            Object m;
            while ((m = ch.readInbound()) != null) System.out.println(m);
        }
    }
}
