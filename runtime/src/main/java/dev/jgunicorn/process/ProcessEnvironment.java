package dev.jgunicorn.process;

import java.util.List;

/**
 * The environment variables by which jgunicorn's processes talk to each other when one starts another: who sets
 * each one, and who reads it. The JVM cannot fork, so a worker, a training run, a daemonized master and the new
 * master of a USR2 upgrade are all the same jar started again; these variables tell each what it is.
 */
public final class ProcessEnvironment {
    /** Set by the master in each worker (and to 0 in the --preload training run): the worker's number. Read by Main. */
    public static final String WORKER = "JGUNICORN_WORKER";
    /**
     * Set by the master in each worker and the training run: its resolved settings ({@code Config.encode}), which
     * Main reads instead of the command line and config file.
     */
    public static final String SETTINGS = "JGUNICORN_SETTINGS";
    /** Set by the master in each worker: the worker link's Unix socket. Read by the worker. */
    public static final String WORKER_LINK = "JGUNICORN_CONTROL";
    /**
     * Set by the master in each worker and in the new master of a USR2 upgrade: the kinds of the listeners passed
     * over the worker link, in order, "tcp" or "unix", comma separated. Read by both.
     */
    public static final String LISTENERS = "JGUNICORN_LISTENERS";
    /** Set by the master in each worker when it serves /metrics: the worker's scrape socket. Read by the worker. */
    public static final String METRICS_SOCKET = "JGUNICORN_METRICS_SOCKET";
    /** Set by the master in the class-data training run (see ClassDataArchive). Read by the worker. */
    public static final String TRAINING = "JGUNICORN_TRAINING";
    /**
     * Set in the runtime image: the AOT cache made when the image was built (docker/bake-aot-cache), which workers
     * start from when no archive was made for their app. Read by the master (ClassDataArchive).
     */
    public static final String AOT_CACHE = "JGUNICORN_AOT_CACHE";
    /** Set by Main in the master that --daemon started in its own session. Read by Main and the master (WINCH). */
    public static final String DAEMONIZED = "JGUNICORN_DAEMONIZED";
    /** Set by the master when each worker binds its own sockets with SO_REUSEPORT. Read by the worker. */
    public static final String REUSE_PORT = "JGUNICORN_REUSE_PORT";
    /** Set by the master in the new master of a USR2 upgrade: the old master's worker link, which hands over the listeners. */
    public static final String UPGRADE_FROM = "JGUNICORN_UPGRADE_FROM";
    /** As in Gunicorn: set by the master in the new master of a USR2 upgrade, the old master's pid. */
    public static final String OLD_MASTER_PID = "GUNICORN_PID";
    /** Set by systemd's socket activation: the pid its sockets are meant for. Read by the master. */
    public static final String LISTEN_PID = "LISTEN_PID";
    /** Set by systemd's socket activation: how many sockets, from descriptor 3 on. Read by the master. */
    public static final String LISTEN_FDS = "LISTEN_FDS";
    /**
     * systemd's socket-activation variables, removed from the environment of every process the master starts:
     * the descriptors are the master's.
     */
    public static final List<String> SYSTEMD_SOCKETS = List.of(LISTEN_PID, LISTEN_FDS, "LISTEN_FDNAMES");

    private ProcessEnvironment() {
    }

    /** True in the master that --daemon started in its own session. */
    public static boolean daemonized() {
        return System.getenv(DAEMONIZED) != null;
    }
}
