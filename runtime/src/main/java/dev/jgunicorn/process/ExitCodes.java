package dev.jgunicorn.process;

/**
 * Exit codes of the {@code jgunicorn} command, of its worker processes and of {@code jgunicorn ctl}. 1 to 4 are
 * Gunicorn's: the master exits 3 or 4 when a worker could not boot, with the code that worker exited with.
 */
public final class ExitCodes {
    /** A setting's value, the config file or the hooks class is wrong. */
    public static final int CONFIG_ERROR = 1;
    /** The command line is wrong (also {@code jgunicorn ctl}'s answer to an unknown command). */
    public static final int USAGE_ERROR = 2;
    /** A worker could not boot: its admin listener or its listeners (Gunicorn's WORKER_BOOT_ERROR). */
    public static final int WORKER_BOOT_ERROR = 3;
    /** The app could not be loaded (Gunicorn's APP_LOAD_ERROR). */
    public static final int APP_LOAD_ERROR = 4;
    /**
     * What HotSpot exits with under {@code -XX:+ExitOnOutOfMemoryError}, fixed by the JVM: the same number as
     * {@link #WORKER_BOOT_ERROR}. The master tells them apart by whether the worker had reported booted: the
     * worker's own boot errors all happen before that report.
     */
    public static final int JVM_OUT_OF_MEMORY = 3;
    /** A process killed by SIGKILL (128 + 9): from outside, often the kernel's out-of-memory killer. */
    public static final int KILLED = 137;

    /** {@code jgunicorn ctl}: the master answered with an error. */
    public static final int CTL_REFUSED = 1;
    /** {@code jgunicorn ctl}: no master answers on the control socket. */
    public static final int CTL_NO_MASTER = 3;

    private ExitCodes() {
    }
}
