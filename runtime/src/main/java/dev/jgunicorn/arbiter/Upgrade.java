package dev.jgunicorn.arbiter;

import dev.jgunicorn.process.JvmCommand;
import dev.jgunicorn.process.ProcessEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;

/**
 * USR2, the binary upgrade, from both sides. The old master starts a new master from the current jar with the
 * original command line; the new one takes the old one's listening sockets over the worker link (see
 * {@link Listeners}) and starts its own workers. Both serve until the operator stops the old one (TERM), as in
 * Gunicorn; then the new master takes over the pidfile and the control socket.
 */
final class Upgrade {
    private static final Logger log = LoggerFactory.getLogger("gunicorn.error");

    private Process newMaster;       // in the old master: the new master, while it runs
    private ProcessHandle oldMaster; // in a new master: the master that started it, until that one exits

    /** The old master, when this process is the new master of an upgrade and the old one still runs. */
    Upgrade() {
        String old = System.getenv(ProcessEnvironment.UPGRADE_FROM) != null
                ? System.getenv(ProcessEnvironment.OLD_MASTER_PID) : null;
        this.oldMaster = old == null ? null : ProcessHandle.of(Long.parseLong(old)).filter(ProcessHandle::isAlive).orElse(null);
    }

    /** True in a new master while the old master still runs: the pidfile and control socket are still the old one's. */
    boolean oldMasterRuns() {
        return oldMaster != null;
    }

    /** True in the old master while the new one runs: the listeners are handed over and must stay. */
    boolean handedOver() {
        return newMaster != null && newMaster.isAlive();
    }

    /** USR2: starts the new master, unless an upgrade is under way already (on either side) or epoll is missing. */
    void start(WorkerLinkServer links, String listenerKinds, Runnable preExec) {
        if (handedOver()) {
            log.warn("USR2 ignored: the new master (pid: {}) of an earlier USR2 still runs", newMaster.pid());
            return;
        }
        if (oldMaster != null) {
            log.warn("USR2 ignored: this master is itself the new master of an upgrade and the old one (pid: {}) still runs",
                    oldMaster.pid());
            return;
        }
        if (links == null) {
            log.error("USR2 ignored: the binary upgrade hands sockets over with epoll, which is not available here");
            return;
        }
        preExec.run();
        ProcessBuilder pb = new ProcessBuilder(JvmCommand.thisProcess()).inheritIO()
                .directory(new File(System.getProperty("user.dir")));
        ProcessEnvironment.SYSTEMD_SOCKETS.forEach(pb.environment()::remove);
        pb.environment().put(ProcessEnvironment.UPGRADE_FROM, links.path().toString());
        pb.environment().put(ProcessEnvironment.LISTENERS, listenerKinds);
        pb.environment().put(ProcessEnvironment.OLD_MASTER_PID, Long.toString(ProcessHandle.current().pid()));
        try {
            newMaster = pb.start();
            log.info("Started a new master (pid: {}) for the binary upgrade; send TERM to this master (pid: {}) once the"
                    + " new one serves", newMaster.pid(), ProcessHandle.current().pid());
        } catch (IOException e) {
            log.error("USR2: cannot start a new master: {}", e.getMessage());
        }
    }

    /**
     * One look from the master's loop: the old master notes a new one that died (and stays in charge); a new master
     * returns true, once, when its old master is gone and it takes over.
     */
    boolean follow() {
        if (newMaster != null && !newMaster.isAlive()) {
            log.error("The new master (pid: {}) of the binary upgrade exited with code {}; this master stays in charge",
                    newMaster.pid(), newMaster.exitValue());
            newMaster = null;
        }
        if (oldMaster != null && !oldMaster.isAlive()) {
            log.info("The old master (pid: {}) is gone: this master takes over its pidfile and control socket", oldMaster.pid());
            oldMaster = null;
            return true;
        }
        return false;
    }
}
