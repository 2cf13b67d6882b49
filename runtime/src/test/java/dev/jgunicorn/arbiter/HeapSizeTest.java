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

    @Test
    void aWorkersDefaultHeapIsHalfItsShareOfTheMemoryWithinBounds() {
        assertEquals(256L << 20, HeapSize.defaultMaxHeap(2L << 30, 4));
        assertEquals(64L << 20, HeapSize.defaultMaxHeap(512L << 20, 8), "at least 64 MiB");
        assertEquals(1L << 30, HeapSize.defaultMaxHeap(64L << 30, 1), "at most 1 GiB");
        assertEquals(170L << 20, HeapSize.defaultMaxHeap(1L << 30, 3), "whole MiB");
    }

    @Test
    void theDefaultsYieldToTheUsersOwnOptions() {
        assertEquals(List.of("-Xmx256m", "-Xms8m", "-XX:+UseSerialGC"), HeapSize.defaults(List.of(), 2L << 30, 4));
        assertEquals(List.of("-Xms8m", "-XX:+UseSerialGC"), HeapSize.defaults(List.of("-Xmx512m"), 2L << 30, 4));
        assertEquals(List.of("-Xms8m"), HeapSize.defaults(List.of("-Xmx4g"), 2L << 30, 4), "G1 for a large heap");
        assertEquals(List.of("-Xms8m", "-XX:+UseSerialGC"), HeapSize.defaults(List.of("-XX:MaxRAMPercentage=50"), 2L << 30, 4));
        assertEquals(List.of("-Xmx256m"), HeapSize.defaults(List.of("-Xms64m", "-XX:+UseParallelGC"), 2L << 30, 4));
    }

    @Test
    void theNativeHeapIsTrimmedWhereTheJdkCanAndTheUserDidNotChoose() {
        assertEquals(List.of("-XX:TrimNativeHeapInterval=5000"), HeapSize.nativeTrim(List.of("-Xmx512m"), 25));
        assertEquals(List.of(), HeapSize.nativeTrim(List.of(), 21), "JDK 21 has it only as an experimental option");
        assertEquals(List.of(), HeapSize.nativeTrim(List.of("-XX:TrimNativeHeapInterval=0"), 25), "the user's own wins");
    }
}
