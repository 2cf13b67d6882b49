package dev.jgunicorn.arbiter;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** -Xmx in --jvm-arg, read as the JVM reads it, for sizing --workers auto. */
class HeapSizeTest {
    @Test
    void readsTheJvmsSuffixesInEitherCase() {
        assertEquals(OptionalLong.of(512L << 20), HeapSize.maxHeap(List.of("-Xmx512m")));
        assertEquals(OptionalLong.of(2L << 30), HeapSize.maxHeap(List.of("-Xmx2G")));
        assertEquals(OptionalLong.of(64L << 10), HeapSize.maxHeap(List.of("-Xmx64k")));
        assertEquals(OptionalLong.of(100_000_000L), HeapSize.maxHeap(List.of("-Xmx100000000")));
    }

    @Test
    void theLastValidXmxWinsAndOtherOptionsDoNotCount() {
        assertEquals(OptionalLong.of(1L << 30), HeapSize.maxHeap(List.of("-Xmx256m", "-Xss1m", "-Xmx1g")));
        assertEquals(OptionalLong.of(256L << 20), HeapSize.maxHeap(List.of("-Xmx256m", "-Xmxlots")));
        assertEquals(OptionalLong.empty(), HeapSize.maxHeap(List.of("-Xms1g", "-Dx=-Xmx1g")));
        assertEquals(OptionalLong.empty(), HeapSize.maxHeap(List.of()));
    }
}
