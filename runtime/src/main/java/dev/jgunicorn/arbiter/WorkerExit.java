package dev.jgunicorn.arbiter;

import dev.jgunicorn.process.ExitCodes;

/**
 * Why a worker process ended and what the master does about it, decided from what the master knew of the worker
 * when it was reaped. A pure function, so every case is a unit test rather than a process test.
 */
sealed interface WorkerExit {
    /** It never booted and nobody told it to leave: a new one would fail the same way, so the master halts. */
    record FailedToBoot(int masterExitCode) implements WorkerExit {
    }

    /** A retiring worker (reload, TTOU) that left as asked: nobody replaces it. */
    record Retired() implements WorkerExit {
    }

    /**
     * Any other exit: logged with {@code reason} and replaced; {@code kind} is what show stats and the restarts
     * metric count it under: timeout, recycle, oom, killed or crash.
     */
    record Replaced(String reason, String kind) implements WorkerExit {
    }

    /**
     * @param exitCode  the process's exit code (128 + N when signal N ended it)
     * @param booted    whether it had reported booted over the worker link
     * @param retiring  whether the master is replacing it (reload, TTOU, ctl worker kill)
     * @param toldToLeave whether the master sent it TERM or retire
     * @param killedFor why the master killed it itself ("timeout", "boot timeout", "reload failed"), or null
     * @param recycling whether it said it leaves after max_requests
     */
    static WorkerExit of(int exitCode, boolean booted, boolean retiring, boolean toldToLeave, String killedFor,
                         boolean recycling) {
        if (!booted && killedFor == null && !toldToLeave) {
            return new FailedToBoot(exitCode == ExitCodes.APP_LOAD_ERROR ? ExitCodes.APP_LOAD_ERROR : ExitCodes.WORKER_BOOT_ERROR);
        }
        if (retiring && (exitCode == 0 || !booted || "reload failed".equals(killedFor))) return new Retired();
        if (killedFor != null) return new Replaced(killedFor, killedFor.contains("timeout") ? "timeout" : "crash");
        if (recycling) return new Replaced("recycle (max-requests)", "recycle");
        // only the JVM exits with this code once the worker booted: its own boot errors come before the report
        if (exitCode == ExitCodes.JVM_OUT_OF_MEMORY) return new Replaced("out of memory", "oom");
        if (exitCode == ExitCodes.KILLED) return new Replaced("killed by SIGKILL (perhaps out of memory)", "killed");
        return new Replaced("crash (exit code " + exitCode + ")", "crash");
    }
}
