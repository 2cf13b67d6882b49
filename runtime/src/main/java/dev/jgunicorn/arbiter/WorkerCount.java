package dev.jgunicorn.arbiter;

import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.Settings;
import dev.jgunicorn.settings.ValueType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How many workers the master keeps: --workers, or for auto what the container's cgroup limits allow. */
final class WorkerCount {
    private static final Logger log = LoggerFactory.getLogger("gunicorn.error");
    private static final long DEFAULT_HEAP = 192L << 20;
    private static final long JVM_OVERHEAD = 64L << 20;

    private WorkerCount() {
    }

    /** --workers, or for auto the count the cgroup limits allow (see {@link CgroupLimits#autoWorkers}). */
    static int of(Config config) {
        int w = config.get(Settings.WORKERS);
        if (w != ValueType.IntOrAuto.AUTO) return w;
        CgroupLimits limits = CgroupLimits.read();
        int cpus = Runtime.getRuntime().availableProcessors();
        int n = CgroupLimits.autoWorkers(limits, cpus, perWorkerBytes(config));
        log.info("workers auto: {} ({}, {} CPUs visible)", n, limits.describe(), cpus);
        return n;
    }

    /** A worker's expected footprint: its -Xmx (from --jvm-arg), else 192 MiB, plus 64 MiB of JVM overhead. */
    static long perWorkerBytes(Config config) {
        return HeapSize.maxHeap(config.get(Settings.JVM_ARGS)).orElse(DEFAULT_HEAP) + JVM_OVERHEAD;
    }
}
