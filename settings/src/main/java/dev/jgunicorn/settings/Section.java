package dev.jgunicorn.settings;

/** Gunicorn's setting sections, in the order of its docs, plus the JVM-only ones. */
public enum Section {
    CONFIG_FILE("Config File"),
    SERVER_SOCKET("Server Socket"),
    WORKER_PROCESSES("Worker Processes"),
    SECURITY("Security"),
    DEBUGGING("Debugging"),
    SERVER_MECHANICS("Server Mechanics"),
    LOGGING("Logging"),
    PROCESS_NAMING("Process Naming"),
    SERVER_HOOKS("Server Hooks"),
    SSL("SSL"),
    HTTP2("HTTP/2"),
    DIRTY_ARBITERS("Dirty Arbiters"),
    DIRTY_ARBITER_HOOKS("Dirty Arbiter Hooks"),
    CONTROL("Control"),
    JVM("JVM (jgunicorn only)");

    public final String title;

    Section(String title) {
        this.title = title;
    }
}
