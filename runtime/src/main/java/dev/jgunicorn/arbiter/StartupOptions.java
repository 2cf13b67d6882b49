package dev.jgunicorn.arbiter;

import java.util.List;

/**
 * The worker JVM options that shorten a worker's start to its first answer (issue 17), each one unless
 * {@code --jvm-arg} names it; measured in docs/benchmarks.md. Memory options are {@link HeapSize}'s.
 *
 * <p>Not here: {@code --sun-misc-unsafe-memory-access=allow}, which would spare JDK 24 and later workers Netty's
 * linking of malloc and free through the foreign-function API, stays the user's choice (docs/workers.md).
 */
final class StartupOptions {
    /**
     * Netty's JFR events (buffer and chunk allocations), on whenever the JVM has JFR: defining a JFR event class
     * reads its annotations through a dozen proxy classes at the worker's first request, for events nobody
     * records unless a JFR recording asks for them; {@code -Dio.netty.jfr.enabled=true} brings them back.
     */
    static final String NO_NETTY_JFR = "-Dio.netty.jfr.enabled=false";

    private StartupOptions() {
    }

    /** The options for a worker JVM whose --jvm-arg are {@code jvmArgs}; the same on JDK 21 and 25. */
    static List<String> of(List<String> jvmArgs) {
        return jvmArgs.stream().anyMatch(a -> a.contains("io.netty.jfr.enabled")) ? List.of() : List.of(NO_NETTY_JFR);
    }
}
