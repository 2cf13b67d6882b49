package dev.jgunicorn.server;

import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.Settings;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where the app's handler runs (Gunicorn's -k/--worker-class). Netty does all socket I/O in every model;
 * the model only decides which thread calls {@code HttpHandler.handle}.
 */
public enum WorkerModel {
    /** One request at a time on one thread; the connection closes after each response (Gunicorn's sync worker). */
    SYNC("sync"),
    /** A pool of --threads platform threads; keep-alive; --worker-connections caps open connections. */
    GTHREAD("gthread"),
    /** A virtual thread per request (Java's answer to gevent); --worker-connections caps open connections. */
    VIRTUAL("virtual"),
    /**
     * The handler runs on the connection's Netty event loop: it must never block. Bodies arrive buffered;
     * --worker-connections caps open connections.
     */
    EVENTLOOP("eventloop");

    public final String settingValue;

    WorkerModel(String settingValue) {
        this.settingValue = settingValue;
    }

    public static WorkerModel of(String workerClass) {
        if ("gevent".equals(workerClass)) return VIRTUAL; // virtual threads are the JVM's greenlets
        for (WorkerModel m : values()) {
            if (m.settingValue.equals(workerClass)) return m;
        }
        throw new IllegalArgumentException("unknown worker class " + workerClass);
    }

    /** The model worker_class asks for; as in Gunicorn, sync with more than one thread becomes gthread. */
    public static WorkerModel of(Config c) {
        String k = c.get(Settings.WORKER_CLASS);
        if ("sync".equals(k) && c.get(Settings.THREADS) > 1) return GTHREAD;
        return of(k);
    }

    /** The pool that runs handlers for sync and gthread; null for the models that have none. */
    ExecutorService newPool(int threads) {
        return switch (this) {
            case SYNC -> Executors.newSingleThreadExecutor(named("jgunicorn-sync"));
            case GTHREAD -> Executors.newFixedThreadPool(Math.max(1, threads), named("jgunicorn-thread"));
            case VIRTUAL, EVENTLOOP -> null;
        };
    }

    /** Starts a virtual thread per handler, batched per event-loop pass. */
    static final Executor VIRTUAL_THREADS = new VirtualThreadStarter();

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            return t;
        };
    }
}
