package dev.jgunicorn.arbiter;

import dev.jgunicorn.process.ExitCodes;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the master logs, counts and does when it reaps a worker, as Gunicorn's arbiter tests its reaping. */
class WorkerExitTest {
    private static WorkerExit serving(int code) {
        return WorkerExit.of(code, true, false, false, null, false);
    }

    private static WorkerExit booting(int code) {
        return WorkerExit.of(code, false, false, false, null, false);
    }

    @Test
    void aWorkerThatNeverBootedStopsTheMasterWithGunicornsCodes() {
        assertEquals(new WorkerExit.FailedToBoot(ExitCodes.WORKER_BOOT_ERROR), booting(3));
        assertEquals(new WorkerExit.FailedToBoot(ExitCodes.APP_LOAD_ERROR), booting(4));
        // whatever else it exited with (a JVM that could not start, a signal) is a boot error too
        assertEquals(new WorkerExit.FailedToBoot(ExitCodes.WORKER_BOOT_ERROR), booting(1));
        assertEquals(new WorkerExit.FailedToBoot(ExitCodes.WORKER_BOOT_ERROR), booting(137));
    }

    @Test
    void exitCodeThreeIsFailedToBootBeforeTheBootReportAndOutOfMemoryAfterIt() {
        assertEquals(new WorkerExit.FailedToBoot(3), booting(ExitCodes.WORKER_BOOT_ERROR));
        assertEquals(new WorkerExit.Replaced("out of memory", "oom"), serving(ExitCodes.JVM_OUT_OF_MEMORY));
    }

    @Test
    void aServingWorkerIsReplacedWithTheReasonForItsExit() {
        assertEquals(new WorkerExit.Replaced("killed by SIGKILL (perhaps out of memory)", "killed"), serving(137));
        assertEquals(new WorkerExit.Replaced("crash (exit code 1)", "crash"), serving(1));
        assertEquals(new WorkerExit.Replaced("crash (exit code 0)", "crash"), serving(0));
        assertEquals(new WorkerExit.Replaced("crash (exit code 4)", "crash"), serving(4));
        assertEquals(new WorkerExit.Replaced("recycle (max-requests)", "recycle"), WorkerExit.of(0, true, false, false, null, true));
    }

    @Test
    void whatTheMasterKilledItForWinsOverTheExitCode() {
        assertEquals(new WorkerExit.Replaced("timeout", "timeout"), WorkerExit.of(137, true, false, false, "timeout", false));
        assertEquals(new WorkerExit.Replaced("boot timeout", "timeout"), WorkerExit.of(137, false, false, false, "boot timeout", false));
    }

    @Test
    void aRetiringWorkerThatLeftAsAskedIsNotReplaced() {
        assertEquals(new WorkerExit.Retired(), WorkerExit.of(0, true, true, true, null, false));
        // told to leave before it booted: not a boot failure
        assertEquals(new WorkerExit.Retired(), WorkerExit.of(143, false, true, true, null, false));
        // a reload's new worker stopped because another one failed to boot
        assertEquals(new WorkerExit.Retired(), WorkerExit.of(137, true, true, true, "reload failed", false));
    }

    @Test
    void aRetiringWorkerThatCrashedInsteadIsCountedAsACrash() {
        assertEquals(new WorkerExit.Replaced("crash (exit code 1)", "crash"), WorkerExit.of(1, true, true, true, null, false));
        assertEquals(new WorkerExit.Replaced("out of memory", "oom"), WorkerExit.of(3, true, true, false, null, false));
    }
}
