package dev.jgunicorn.hooks;

import com.sun.net.httpserver.HttpExchange;

/**
 * Gunicorn's server hooks for Java: name a class implementing this interface with the {@code hooks} setting
 * ({@code hooks = "com.example.MyHooks"} in gunicorn.conf.py, or {@code --hooks}). It needs a public no-argument
 * constructor and is found on the app's class path. Every method has a default that does nothing, so a class
 * implements only the moments it cares about; they run at the same moments as Gunicorn's hooks of the same name.
 *
 * <p>Master hooks run in the master JVM, worker hooks in each worker JVM (one instance per process). A hook that
 * throws is logged and the server carries on, except in {@link #onStarting}, where it stops the start.
 */
public interface ServerHooks {

    /** on_starting: in the master, before it opens the listeners. */
    default void onStarting(Arbiter arbiter) {
    }

    /** on_reload: in the master during a HUP (or --reload), before the new workers start. */
    default void onReload(Arbiter arbiter) {
    }

    /** when_ready: in the master once the listeners are open, before the first workers start. */
    default void whenReady(Arbiter arbiter) {
    }

    /** pre_fork: in the master right before a worker process is started (its pid is not known yet). */
    default void preFork(Arbiter arbiter, WorkerInfo worker) {
    }

    /** post_fork: in the worker as it starts, before the app is loaded. */
    default void postFork(WorkerInfo worker) {
    }

    /** post_worker_init: in the worker after the app was loaded, before it serves. */
    default void postWorkerInit(WorkerInfo worker) {
    }

    /** worker_int: in the worker on INT (quick stop), before it exits. */
    default void workerInt(WorkerInfo worker) {
    }

    /**
     * worker_abort: in the worker when one of its threads has been stuck for half of --timeout, just before the
     * master kills it (Gunicorn calls it on the SIGABRT that its master sends at the timeout).
     */
    default void workerAbort(WorkerInfo worker) {
    }

    /** pre_exec: in the master right before it starts the new master of a USR2 upgrade. */
    default void preExec(Arbiter arbiter) {
    }

    /** pre_request: in the worker before the app's handler runs for a request. */
    default void preRequest(WorkerInfo worker, HttpExchange exchange) {
    }

    /** post_request: in the worker after the app's handler returned (or threw) for a request. */
    default void postRequest(WorkerInfo worker, HttpExchange exchange) {
    }

    /** child_exit: in the master after a worker exited (not when the exit stops the master). */
    default void childExit(Arbiter arbiter, WorkerInfo worker) {
    }

    /** worker_exit: in the worker as it exits, after it stopped serving. */
    default void workerExit(WorkerInfo worker) {
    }

    /** nworkers_changed: in the master when the target worker count changes; {@code oldValue} is -1 at start. */
    default void nworkersChanged(Arbiter arbiter, int newValue, int oldValue) {
    }

    /** on_exit: in the master, the last thing before it exits. */
    default void onExit(Arbiter arbiter) {
    }
}
