package dev.jgunicorn.arbiter;

import dev.jgunicorn.settings.Settings;

import java.util.concurrent.TimeUnit;

/**
 * The control socket's commands (Gunicorn's gunicornc vocabulary), carried out on the master's loop: each is
 * answered before the master acts on a shutdown.
 */
final class ControlCommands {
    static final String USAGE = "show workers|stats|config|listeners|all, worker add|remove [N], worker kill PID, reload,"
            + " reopen, shutdown [graceful|quick]";

    private final Master master;
    private final long startedMillis = System.currentTimeMillis();

    ControlCommands(Master master) {
        this.master = master;
    }

    /** Carries out one command; returns the master's exit code when it ends the master. */
    Integer run(ControlSocket.Command c) {
        String[] w = c.line().split("\\s+");
        String verb = w[0] + (w.length > 1 ? " " + w[1] : "");
        try {
            switch (verb) {
                case "show workers" -> c.ok(showWorkers());
                case "show stats" -> c.ok(showStats());
                case "show config" -> c.ok(master.config().describe());
                case "show listeners" -> c.ok(showListeners());
                case "show all" -> c.ok(showStats() + "\n" + showWorkers() + "\n" + showListeners());
                case "worker add" -> {
                    master.setTarget(master.target() + count(w));
                    c.ok("workers: " + master.target() + "\n");
                }
                case "worker remove" -> {
                    master.setTarget(Math.max(1, master.target() - count(w)));
                    c.ok("workers: " + master.target() + "\n");
                }
                case "worker kill" -> {
                    long pid = w.length > 2 ? Long.parseLong(w[2]) : -1;
                    WorkerProcess worker = master.workers().stream().filter(x -> x.pid() == pid).findFirst().orElse(null);
                    if (worker == null) {
                        c.error("no worker has pid " + (w.length > 2 ? w[2] : "(missing)"));
                    } else {
                        master.retireNow(worker);
                        c.ok("worker " + worker.number + " (pid " + pid + ") is stopping; a new one starts\n");
                    }
                }
                case "reload" -> c.ok(master.reload() ? "reloading\n" : "a reload is in progress; one more is queued\n");
                case "reopen" -> {
                    master.reopenLogs();
                    c.ok("log files reopened\n");
                }
                default -> {
                    if (w[0].equals("shutdown")) {
                        boolean quick = w.length > 1 && w[1].equals("quick");
                        if (w.length > 1 && !quick && !w[1].equals("graceful")) {
                            c.error("shutdown takes graceful or quick, not " + w[1]);
                            return null;
                        }
                        String how = quick ? "quick" : "graceful";
                        c.ok("shutting down (" + how + ")\n");
                        master.stop(!quick, "Handling control command: shutdown " + how);
                        return 0;
                    }
                    c.error("unknown command '" + c.line() + "'; try: " + USAGE);
                }
            }
        } catch (NumberFormatException e) {
            c.error("not a number in '" + c.line() + "'");
        }
        return null;
    }

    private static int count(String[] w) {
        int n = w.length > 2 ? Integer.parseInt(w[2]) : 1;
        if (n < 1) throw new NumberFormatException();
        return n;
    }

    private String showWorkers() {
        StringBuilder sb = new StringBuilder(String.format("%-7s %-8s %-7s %-10s %9s %12s%n", "WORKER", "PID", "AGE", "STATE",
                "REQUESTS", "CONNECTIONS"));
        long now = System.nanoTime();
        for (WorkerProcess c : master.workers()) {
            WorkerLinkServer.Report r = master.report(c);
            String state = c.retiring ? "retiring" : r != null && !r.booted ? "booting"
                    : r != null && now - r.lastBeat > TimeUnit.SECONDS.toNanos(3) ? "silent" : "serving";
            sb.append(String.format("%-7d %-8d %-7s %-10s %9s %12s%n", c.number, c.pid(),
                    age(TimeUnit.NANOSECONDS.toSeconds(now - c.startedNanos)), state,
                    r == null ? "-" : Long.toString(r.requests), r == null ? "-" : Integer.toString(r.connections)));
        }
        return sb.toString();
    }

    private String showStats() {
        long requests = master.workers().stream().map(master::report).mapToLong(r -> r == null ? 0 : r.requests).sum();
        long alive = master.workers().stream().filter(c -> c.process.isAlive()).count();
        StringBuilder sb = new StringBuilder();
        sb.append("master_pid: ").append(ProcessHandle.current().pid()).append('\n');
        sb.append("uptime: ").append(age((System.currentTimeMillis() - startedMillis) / 1000)).append('\n');
        sb.append("workers_target: ").append(master.target()).append('\n');
        sb.append("workers_alive: ").append(alive).append('\n');
        sb.append("requests_current_workers: ").append(requests).append('\n');
        sb.append("restarts:");
        if (master.restarts().isEmpty()) sb.append(" none");
        master.restarts().forEach((reason, n) -> sb.append(' ').append(reason).append('=').append(n));
        return sb.append('\n').toString();
    }

    private String showListeners() {
        StringBuilder sb = new StringBuilder();
        for (String url : master.listeners().urls(master.config())) sb.append(url).append('\n');
        if (master.listeners().isEmpty()) {
            for (String b : master.config().get(Settings.BIND)) sb.append(b).append(" (bound by each worker)\n");
        }
        return sb.toString();
    }

    private static String age(long seconds) {
        if (seconds < 120) return seconds + "s";
        if (seconds < 7200) return seconds / 60 + "m";
        return seconds / 3600 + "h";
    }
}
