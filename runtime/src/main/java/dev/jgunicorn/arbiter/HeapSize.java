package dev.jgunicorn.arbiter;

import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/** The maximum heap a worker JVM's options give it, for sizing --workers auto. */
final class HeapSize {
    private HeapSize() {
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
