package dev.jgunicorn.testapps;

import com.sun.net.httpserver.HttpExchange;
import dev.jgunicorn.hooks.Arbiter;
import dev.jgunicorn.hooks.ServerHooks;
import dev.jgunicorn.hooks.WorkerInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Server hooks that append "PID HOOK DETAIL" lines to the file named by HOOKS_LOG, so a test sees which ran where. */
public class RecordingHooks implements ServerHooks {
    private final Path log = Path.of(System.getenv("HOOKS_LOG"));

    private void record(String hook, String detail) {
        try {
            Files.writeString(log, ProcessHandle.current().pid() + " " + hook + " " + detail + "\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void onStarting(Arbiter a) {
        record("on_starting", "workers=" + a.targetWorkers());
    }

    @Override
    public void whenReady(Arbiter a) {
        record("when_ready", "");
    }

    @Override
    public void onReload(Arbiter a) {
        record("on_reload", "");
    }

    @Override
    public void preFork(Arbiter a, WorkerInfo w) {
        record("pre_fork", "worker=" + w.number());
    }

    @Override
    public void postFork(WorkerInfo w) {
        record("post_fork", "worker=" + w.number());
    }

    @Override
    public void postWorkerInit(WorkerInfo w) {
        record("post_worker_init", "worker=" + w.number());
    }

    @Override
    public void preRequest(WorkerInfo w, HttpExchange ex) {
        record("pre_request", ex.getRequestMethod() + " " + ex.getRequestURI());
        if (ex.getRequestURI().getPath().equals("/hook-fails")) throw new IllegalStateException("hook failure on purpose");
    }

    @Override
    public void postRequest(WorkerInfo w, HttpExchange ex) {
        record("post_request", ex.getRequestURI() + " " + ex.getResponseCode());
    }

    @Override
    public void workerInt(WorkerInfo w) {
        record("worker_int", "worker=" + w.number());
    }

    @Override
    public void workerExit(WorkerInfo w) {
        record("worker_exit", "worker=" + w.number());
    }

    @Override
    public void childExit(Arbiter a, WorkerInfo w) {
        record("child_exit", "worker=" + w.number() + " pid=" + w.pid() + " code=" + w.exitCode());
    }

    @Override
    public void nworkersChanged(Arbiter a, int newValue, int oldValue) {
        record("nworkers_changed", newValue + " " + oldValue);
    }

    @Override
    public void onExit(Arbiter a) {
        record("on_exit", "");
    }
}
