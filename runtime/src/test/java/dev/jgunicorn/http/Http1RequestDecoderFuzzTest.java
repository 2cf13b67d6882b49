package dev.jgunicorn.http;

import dev.jgunicorn.http.Http1RequestDecoderTest.Result;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.util.Arrays;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.jgunicorn.http.Http1RequestDecoderTest.bytes;
import static dev.jgunicorn.http.Http1RequestDecoderTest.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP/1 decoder under generated input (docs/fuzzing.md): arbitrary bytes, the corpus in fuzz/corpus/http1 and
 * valid requests with hostile parts (odd methods, targets, versions, header bytes, obs-fold, bare CR/LF, chunk
 * sizes, duplicated or listed Content-Length, Transfer-Encoding variants), pipelined and mutated. For each input and
 * each of a few configurations: nothing escapes the pipeline, the outcome is well formed (requests, then at most one
 * error), feeding the same bytes in one piece, in random pieces or byte by byte gives the same requests, bodies and
 * error, the decoder never holds more than one line's limit, and every buffer is released (each input buffer's
 * reference count is checked: exact, and far cheaper than Netty's PARANOID leak detector).
 */
class Http1RequestDecoderFuzzTest {

    private static final Path CORPUS = Path.of(System.getProperty("jgunicorn.repo", ".."), "fuzz/corpus/http1");

    private static final Field CUMULATION;

    static {
        try {
            CUMULATION = ByteToMessageDecoder.class.getDeclaredField("cumulation");
            CUMULATION.setAccessible(true);
        } catch (NoSuchFieldException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Defaults; tight limits; everything lenient; '_' names refused; Host required. */
    private static final List<ParserConfig> CONFIGS = List.of(
            ParserConfig.defaults(),
            config(40, 4, 32, false, false, false, false, "drop", List.of("*"), false),
            config(0, 0, 0, true, true, true, true, "dangerous", List.of("*"), false),
            config(-1, 100, 100, true, false, false, false, "refuse", List.of(), true));

    // ---- properties ------------------------------------------------------------------------------------------

    @Property
    void arbitraryBytes(@ForAll @Size(max = 600) byte[] raw, @ForAll("splits") List<Integer> splits) {
        check(raw, splits);
    }

    @Property
    void hostileRequests(@ForAll("requests") byte[] raw, @ForAll("splits") List<Integer> splits) {
        check(raw, splits);
    }

    @Property
    void mutatedCorpus(@ForAll("mutatedCorpus") byte[] raw, @ForAll("splits") List<Integer> splits) {
        check(raw, splits);
    }

    /** Every seed and regression case as it is, split at every byte boundary. */
    @Example
    void corpus() throws IOException {
        List<Path> files = corpusFiles();
        assertFalse(files.isEmpty(), "no corpus in " + CORPUS);
        for (Path f : files) {
            byte[] raw = Files.readAllBytes(f);
            for (int at = 0; at <= raw.length; at++) {
                String where = f.getFileName() + " split at " + at;
                for (ParserConfig cfg : CONFIGS) {
                    assertEquals(feed(cfg, raw, List.of()).summary(), feed(cfg, raw, List.of(at)).summary(), where);
                }
            }
            check(raw, List.of());
        }
    }

    // ---- the checks ------------------------------------------------------------------------------------------

    private static void check(byte[] raw, List<Integer> splits) {
        for (ParserConfig cfg : CONFIGS) {
            String whole = feed(cfg, raw, List.of()).summary();
            assertEquals(whole, feed(cfg, raw, splits).summary(), "split at " + splits + " changed the outcome");
            assertEquals(whole, feed(cfg, raw, null).summary(), "byte-by-byte feeding changed the outcome");
        }
    }

    /**
     * Feeds raw in pieces (cut at the given offsets; null: byte by byte), then the end of input. Any exception the
     * decoder lets out reaches the pipeline's end, and EmbeddedChannel rethrows it here, failing the property.
     */
    static Result feed(ParserConfig cfg, byte[] raw, List<Integer> cuts) {
        List<byte[]> parts = pieces(raw, cuts);
        int held = heldLimit(cfg);
        EmbeddedChannel ch = new EmbeddedChannel(new Http1RequestDecoder(cfg));
        Http1RequestDecoder decoder = ch.pipeline().get(Http1RequestDecoder.class);
        List<ByteBuf> sent = new ArrayList<>();
        Result result = new Result();
        try {
            for (byte[] part : parts) {
                ByteBuf buf = Unpooled.copiedBuffer(part);
                sent.add(buf);
                ch.writeInbound(buf);
                drain(ch, result, false);
                if (cuts == null) { // one byte more at a time: what is held is what waits for the end of a line
                    int h = heldBytes(decoder);
                    assertTrue(h <= held, () -> "the decoder holds " + h + " bytes, more than " + held);
                }
            }
            ch.finish();
            drain(ch, result, true);
        } finally {
            ch.finishAndReleaseAll();
        }
        for (ByteBuf b : sent) assertEquals(0, b.refCnt(), "an input buffer was not released");
        return result;
    }

    private static void drain(EmbeddedChannel ch, Result result, boolean atEof) {
        for (Object msg; (msg = ch.readInbound()) != null; ) {
            result.take(msg, atEof);
        }
    }

    private static List<byte[]> pieces(byte[] raw, List<Integer> cuts) {
        List<byte[]> parts = new ArrayList<>();
        if (cuts == null) {
            for (byte b : raw) parts.add(new byte[] {b});
            return parts;
        }
        int from = 0;
        for (int cut : cuts.stream().map(c -> Math.min(c, raw.length)).sorted().toList()) {
            parts.add(Arrays.copyOfRange(raw, from, cut));
            from = cut;
        }
        parts.add(Arrays.copyOfRange(raw, from, raw.length));
        parts.removeIf(p -> p.length == 0); // a read never delivers nothing (and Unpooled's empty buffer is never released)
        return parts;
    }

    /**
     * The most the decoder may hold while waiting for the end of a line: the request-line limit (0 is Gunicorn's
     * 1 MiB, above 8190 it is 8190) or the field-size limit (0 is 8190), plus the line's CR.
     */
    private static int heldLimit(ParserConfig cfg) {
        int line = cfg.limitRequestLine() < 0 ? 8190 : cfg.limitRequestLine() == 0 ? 1 << 20
                : Math.min(cfg.limitRequestLine(), 8190);
        int field = cfg.limitRequestFieldSize() <= 0 ? 8190 : cfg.limitRequestFieldSize();
        return Math.max(line, field) + 1;
    }

    private static int heldBytes(Http1RequestDecoder decoder) {
        try {
            ByteBuf c = (ByteBuf) CUMULATION.get(decoder);
            return c == null ? 0 : c.readableBytes();
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }

    private static List<Path> corpusFiles() {
        try (Stream<Path> s = Files.list(CORPUS)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- generators ------------------------------------------------------------------------------------------

    @Provide
    Arbitrary<List<Integer>> splits() {
        return Arbitraries.integers().between(0, 700).list().ofMaxSize(6);
    }

    @Provide
    Arbitrary<byte[]> mutatedCorpus() {
        List<byte[]> seeds = corpusFiles().stream().map(p -> {
            try {
                return Files.readAllBytes(p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).toList();
        return mutated(Arbitraries.of(seeds));
    }

    @Provide
    Arbitrary<byte[]> requests() {
        Arbitrary<byte[]> pipeline = request().list().ofMinSize(1).ofMaxSize(3).map(rs -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            rs.forEach(out::writeBytes);
            return out.toByteArray();
        });
        return Arbitraries.frequencyOf(
                Tuple.of(2, pipeline),
                Tuple.of(1, mutated(pipeline)));
    }

    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "OPTIONS", "CONNECT", "HEAD", "get",
            "GeT", "#GET", "G", "GE", "PROPFIND", "ABCDEFGHIJKLMNOPQRSTU", "GET\0", "G\tT", "", "PRI", "M-SEARCH");
    private static final List<String> TARGETS = List.of("/", "/a?b=c#f", "*", "http://h/x", "https://h:8/x?y",
            "//h/x", "h:443", "/%00/%zz", "/\u00ff", "http://[::1]/", "http://[::1/", "http://[v1.x]:80/",
            "http://h]/", "a", "/ /", "/\t", "/" + "a".repeat(45), "http://u@[::ffff:1.2.3.4]/", "");
    private static final List<String> VERSIONS = List.of("HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/0.9",
            "HTTP/1.10", "http/1.1", "HTTP/1.1 ", "HTTP/1", "HTTP/1.x", "HTTP /1.1", "HTTP/9.9");
    private static final List<String> NAMES = List.of("Host", "Content-Length", "Transfer-Encoding", "Connection",
            "Expect", "Content-Type", "X-Forwarded-Proto", "X_Forwarded_For", "X-Forwarded-For", "Trailer", "TE",
            "X Y", " X", "X\u007f", "", "X\0", "\u00e9", "x-long-" + "n".repeat(30), "Content-Length ");
    private static final List<String> VALUES = List.of("h", "", " 5 ", "5", "0", "5, 5", "5,5", "+5", "-1", "0x5",
            "05", "99999999999999999999", "9223372036854775807", "5\0", "chunked", "Chunked", "gzip, chunked",
            "chunked, gzip", "chunked, chunked", "identity, chunked", "\u000bchunked", "chunked\u00a0",
            "chunked\u0085", "br", "close", "keep-alive", "Keep-Alive, close", "100-continue", "200-ok", "https",
            "a\r\n b", "a\r\n\tb", "a\rb", "a\nb", "v" + "v".repeat(40), "\u00ff\u0080", "a\u007fb");
    private static final List<String> EOLS = List.of("\r\n", "\r\n", "\r\n", "\r\n", "\n", "\r", "\r\r\n");
    private static final List<String> CHUNK_SIZES = List.of("5", "05", "0005", "a", "A", "f", "0x5", "+5", "-5",
            " 5", "5 ", "5\t;e=1", "5;e", "5;e=\"x\"", "5;e\n", "5;\r", "ffffffffffffffff", "7fffffffffffffff",
            "10000000000000000", "", "g", "5\u00a0", "5 5");

    private static Arbitrary<byte[]> request() {
        Arbitrary<String> head = Combinators.combine(Arbitraries.of(METHODS), Arbitraries.of(TARGETS),
                Arbitraries.of(VERSIONS), Arbitraries.of(EOLS)).as((m, t, v, eol) -> m + " " + t + " " + v + eol);
        Arbitrary<String> field = Combinators.combine(Arbitraries.of(NAMES), Arbitraries.of(":", ": ", " : ", "::"),
                Arbitraries.of(VALUES), Arbitraries.of(EOLS)).as((n, colon, v, eol) -> n + colon + v + eol);
        Arbitrary<String> chunk = Combinators.combine(Arbitraries.of(CHUNK_SIZES), Arbitraries.integers().between(0, 7),
                Arbitraries.of("\r\n", "\r\n", "\n", "", "xx")).as((size, n, end) -> size + "\r\n" + "d".repeat(n) + end);
        Arbitrary<String> chunked = Combinators.combine(chunk.list().ofMaxSize(3),
                Arbitraries.of("0\r\n\r\n", "0\r\nX-T: 1\r\n\r\n", "0\r\nHost: h\r\n\r\n", "0;e\r\n\r\n",
                        "0\r\n", "", "00\r\n\r\n", "0\r\nX-T: a\r\n b\r\n\r\n"))
                .as((cs, last) -> String.join("", cs) + last);
        Arbitrary<String> body = Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.just("")),
                Tuple.of(2, Arbitraries.strings().withChars("abc\r\n").ofMaxLength(8)),
                Tuple.of(3, chunked));
        Arbitrary<String> fields = Combinators.combine(
                Arbitraries.of("Host: h\r\n", "").list().ofMaxSize(1).map(l -> String.join("", l)),
                Arbitraries.of("Transfer-Encoding: chunked\r\n", "Content-Length: 5\r\n", "")
                        .list().ofMaxSize(2).map(l -> String.join("", l)),
                field.list().ofMaxSize(5).map(l -> String.join("", l))).as((host, framing, odd) -> host + framing + odd);
        return Combinators.combine(head, fields, Arbitraries.of("\r\n", "\r\n", "\r\n", "\n", ""), body)
                .as((h, f, blank, b) -> bytes(h + f + blank + b));
    }

    private static Arbitrary<byte[]> mutated(Arbitrary<byte[]> seeds) {
        return Combinators.combine(seeds, Arbitraries.integers().between(0, 3).list().ofMaxSize(4),
                Arbitraries.integers().between(0, 10_000).list().ofSize(4),
                Arbitraries.of(ODD_BYTES).list().ofSize(4)).as((seed, ops, positions, inserts) -> {
                    byte[] b = seed;
                    for (int i = 0; i < ops.size(); i++) b = mutate(b, ops.get(i), positions.get(i), inserts.get(i));
                    return b;
                });
    }

    private static final List<String> ODD_BYTES = List.of("\r", "\n", "\r\n", "\0", " ", "\t", "\u000b", "\u007f",
            "\u0085", "\u00a0", "\u00ff", ":", ";", ",", "_", "-", "0", "f", "x", "\r\n ", "\r\n\r\n", "0\r\n\r\n");

    /** One mutation: 0 insert an odd byte, 1 delete a byte, 2 overwrite a byte, 3 duplicate a line. */
    private static byte[] mutate(byte[] b, int op, int position, String odd) {
        int at = b.length == 0 ? 0 : position % (b.length + 1);
        byte[] ins = bytes(odd);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        switch (op) {
            case 0 -> {
                out.write(b, 0, at);
                out.writeBytes(ins);
                out.write(b, at, b.length - at);
            }
            case 1, 2 -> {
                if (at == b.length) return b;
                out.write(b, 0, at);
                if (op == 2) out.writeBytes(ins);
                out.write(b, at + 1, b.length - at - 1);
            }
            default -> {
                int lineStart = at, lineEnd = at;
                while (lineStart > 0 && b[lineStart - 1] != '\n') lineStart--;
                while (lineEnd < b.length && b[lineEnd] != '\n') lineEnd++;
                if (lineEnd < b.length) lineEnd++;
                out.write(b, 0, lineEnd);
                out.write(b, lineStart, lineEnd - lineStart);
                out.write(b, lineEnd, b.length - lineEnd);
            }
        }
        return out.toByteArray();
    }
}
