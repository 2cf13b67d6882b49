package dev.jgunicorn.arbiter;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * A worker JVM's heap: the maximum its options give it (for sizing --workers auto), and the heap and collector a
 * worker gets when its options choose none. Gunicorn users never size a heap, and a JVM left alone takes a quarter
 * of the machine's memory each, whatever the number of workers beside it.
 */
final class HeapSize {
    /** Below the JVM's own threshold for a server-class machine, the serial collector: no GC threads or remembered sets. */
    static final long SERIAL_GC_BELOW = 1792L << 20;
    static final long MIN_HEAP = 64L << 20;
    static final long MAX_DEFAULT_HEAP = 1L << 30;
    /** A small start, grown on demand: an idle worker keeps only what its live set needs. */
    static final String INITIAL_HEAP = "-Xms8m";

    private HeapSize() {
    }

    /**
     * A worker's default heap: half of its share of {@code memoryBytes} among {@code workers} (the other half is
     * for the JVM itself, direct buffers, the master and the page cache), in whole MiB, from 64 MiB to 1 GiB. The
     * cap keeps the default lean on a large machine (a worker that needs more says so with --jvm-arg=-Xmx).
     */
    static long defaultMaxHeap(long memoryBytes, int workers) {
        long half = memoryBytes / Math.max(1, workers) / 2;
        return Math.clamp(half >> 20 << 20, MIN_HEAP, MAX_DEFAULT_HEAP);
    }

    /** The memory the workers share: the cgroup's limit in a container, else the machine's. */
    static long memoryBytes() {
        return CgroupLimits.read().memoryBytes().orElseGet(() ->
                ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize());
    }

    /**
     * The heap options a worker gets before {@code jvmArgs} (the user's --jvm-arg): a maximum of
     * {@link #defaultMaxHeap}, a small initial heap and, for a heap under {@link #SERIAL_GC_BELOW}, the serial
     * collector; each only when the user's options set none of their own.
     */
    static List<String> defaults(List<String> jvmArgs, long memoryBytes, int workers) {
        List<String> options = new ArrayList<>();
        long max = maxHeap(jvmArgs).orElse(defaultMaxHeap(memoryBytes, workers));
        if (jvmArgs.stream().noneMatch(a -> a.startsWith("-Xmx") || a.startsWith("-XX:MaxHeapSize=")
                || a.startsWith("-XX:MaxRAM"))) { // MaxRAM, MaxRAMPercentage, MaxRAMFraction
            options.add("-Xmx" + (max >> 20) + "m");
        }
        if (jvmArgs.stream().noneMatch(a -> a.startsWith("-Xms") || a.startsWith("-XX:InitialHeapSize=")
                || a.startsWith("-XX:InitialRAM"))) {
            options.add(INITIAL_HEAP);
        }
        boolean gcChosen = jvmArgs.stream().anyMatch(a -> a.startsWith("-XX:+Use") && a.endsWith("GC"));
        if (!gcChosen && max < SERIAL_GC_BELOW) options.add("-XX:+UseSerialGC");
        return options;
    }

    /** How often a worker hands the C heap's free memory back to the kernel (JDK 22 on; none before). */
    static final String NATIVE_TRIM = "-XX:TrimNativeHeapInterval=5000";

    /**
     * The native heap's trim a worker gets unless {@code jvmArgs} set their own, on a JDK that has it as a product
     * option ({@code jdkFeature} 22 on): glibc keeps the native memory the JVM freed (TLS buffers, arenas of
     * requests with large heads) for reuse, which after an attack looked like 15-20 % of RSS drift
     * (docs/workers.md, bench/abuse-rss).
     */
    static List<String> nativeTrim(List<String> jvmArgs, int jdkFeature) {
        if (jdkFeature < 22 || jvmArgs.stream().anyMatch(a -> a.contains("TrimNativeHeapInterval"))) return List.of();
        return List.of(NATIVE_TRIM);
    }

    /**
     * The bytes of the last {@code -Xmx} among {@code jvmArgs} (the one the JVM obeys), with the JVM's suffixes
     * k, m and g in either case; empty when there is none or it is not a number (the JVM itself rejects that).
     */
    static OptionalLong maxHeap(List<String> jvmArgs) {
        OptionalLong heap = OptionalLong.empty();
        for (String a : jvmArgs) {
            if (!a.startsWith("-Xmx")) continue;
            String v = a.substring(4).toLowerCase(Locale.ROOT);
            long unit = v.endsWith("g") ? 1L << 30 : v.endsWith("m") ? 1L << 20 : v.endsWith("k") ? 1L << 10 : 1;
            try {
                heap = OptionalLong.of(Long.parseLong(unit == 1 ? v : v.substring(0, v.length() - 1)) * unit);
            } catch (NumberFormatException ignored) {
                // the JVM itself will reject a bad -Xmx at start
            }
        }
        return heap;
    }
}
