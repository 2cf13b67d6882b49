package dev.jgunicorn.arbiter;

import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The --pid file. As in Gunicorn, the new master of a USR2 upgrade writes PIDFILE.2 while the old master runs,
 * and takes the plain name once the old one is gone.
 */
final class Pidfile {
    private static final Logger log = LoggerFactory.getLogger("gunicorn.error");

    private Pidfile() {
    }

    /** Writes this process's pid, if a pidfile is set; {@code upgrading}: this is a new master whose old one runs. */
    static void write(Config config, boolean upgrading) {
        Path p = path(config, upgrading);
        if (p == null) return;
        try {
            Files.writeString(p, ProcessHandle.current().pid() + "\n");
        } catch (IOException e) {
            log.error("cannot write pidfile {}: {}", p, e.getMessage());
        }
    }

    /** Removes the pidfile if it is still this master's (after an upgrade the new master may own the name). */
    static void delete(Config config, boolean upgrading) {
        Path p = path(config, upgrading);
        if (p == null) return;
        try {
            if (Files.readString(p).strip().equals(Long.toString(ProcessHandle.current().pid()))) Files.delete(p);
        } catch (IOException ignored) {
            // already gone
        }
    }

    private static Path path(Config config, boolean upgrading) {
        String pidfile = config.get(Settings.PIDFILE);
        if (pidfile == null) return null;
        return config.baseDir().resolve(upgrading ? pidfile + ".2" : pidfile);
    }
}
