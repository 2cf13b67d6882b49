package dev.jgunicorn.arbiter;

/** One worker process as the master sees it; its reports over the worker link are in {@link WorkerLinkServer}. */
final class WorkerProcess {
    final int number;
    final Process process;
    final long startedNanos = System.nanoTime();
    boolean bootLogged;
    boolean retiring;     // replaced by a reload or TTOU: TERM sent or due
    boolean termSent;
    String killedFor;     // set when the master itself killed it

    WorkerProcess(int number, Process process) {
        this.number = number;
        this.process = process;
    }

    long pid() {
        return process.pid();
    }
}
