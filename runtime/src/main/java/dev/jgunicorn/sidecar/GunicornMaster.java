package dev.jgunicorn.sidecar;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Gunicorn master named by its pidfile (--pidfile, the same path Gunicorn writes), seen through the process
 * table: whether it runs, and how many child processes (its workers) it has. The pidfile is read on every question,
 * so a master that restarted (or an upgrade that renamed the file back) is followed.
 */
final class GunicornMaster {
    private static final Path PROC = Path.of("/proc");
    private final Path pidfile;

    GunicornMaster(Path pidfile) {
        this.pidfile = pidfile;
    }

    Path pidfile() {
        return pidfile;
    }

    /** The master's pid, or -1 when the pidfile is missing or holds no pid. */
    long pid() {
        try {
            return Long.parseLong(Files.readString(pidfile).strip());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** Null when the master runs, else why not. */
    String notRunning() {
        long pid = pid();
        if (pid < 0) return "no Gunicorn pid in " + pidfile;
        String state = state(pid);
        if (state == null) return "Gunicorn master " + pid + " (from " + pidfile + ") is not running";
        if (state.equals("Z")) return "Gunicorn master " + pid + " has exited";
        return null;
    }

    /** The master's child processes (Gunicorn's workers), or -1 when the master is not running. */
    int workers() {
        long pid = pid();
        if (pid < 0 || state(pid) == null) return -1;
        int n = 0;
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(PROC, p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path p : procs) {
                String[] stat = stat(p);
                if (stat != null && Long.parseLong(stat[1]) == pid && !stat[0].equals("Z")) n++;
            }
        } catch (IOException e) {
            return -1;
        }
        return n;
    }

    private static String state(long pid) {
        String[] stat = stat(PROC.resolve(Long.toString(pid)));
        return stat == null ? null : stat[0];
    }

    /** State and parent pid from /proc/PID/stat (after the command name, which may hold spaces and parentheses). */
    private static String[] stat(Path proc) {
        try {
            String s = Files.readString(proc.resolve("stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ", 3);
            return new String[]{f[0], f[1]};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
