package dev.jgunicorn.process;

import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.Settings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Process names, as far as a JVM can set them (Gunicorn uses setproctitle). A JVM cannot rewrite its own command
 * line, so: worker JVMs are started with {@code argv[0]} set to {@code jgunicorn: worker [NAME]} (what {@code ps aux}
 * and {@code pgrep -f} see), and every process sets its kernel name ({@code /proc/self/comm}, 15 bytes, what
 * {@code ps -e}, {@code top} and plain {@code pgrep} see) to proc_name, or to {@code jgunicorn} when it is unset.
 */
public final class ProcessTitle {
    private static final Path BASH = Path.of("/bin/bash");
    private static final int COMM_MAX = 15;

    private ProcessTitle() {
    }

    /** proc_name, else a default_proc_name that was set, else the APP argument (Gunicorn's default_proc_name). */
    static String name(Config c) {
        if (c.get(Settings.PROC_NAME) != null) return c.get(Settings.PROC_NAME);
        if (!"default".equals(c.sourceOf(Settings.DEFAULT_PROC_NAME))) return c.get(Settings.DEFAULT_PROC_NAME);
        return c.app() != null ? c.app() : c.get(Settings.DEFAULT_PROC_NAME);
    }

    public static String worker(Config c) {
        return "jgunicorn: worker [" + name(c) + "]";
    }

    /** The kernel's short name for this process: proc_name cut to 15 bytes, or "jgunicorn". */
    static String shortName(Config c) {
        String n = c.get(Settings.PROC_NAME) != null ? c.get(Settings.PROC_NAME) : "jgunicorn";
        byte[] b = n.getBytes(StandardCharsets.UTF_8);
        return b.length <= COMM_MAX ? n : new String(Arrays.copyOf(b, COMM_MAX), StandardCharsets.UTF_8).replace("\uFFFD", "");
    }

    /** Sets this process's kernel name; on systems without /proc/self/comm nothing changes. */
    public static void setShortName(Config c) {
        try {
            Files.writeString(Path.of("/proc/self/comm"), shortName(c));
        } catch (IOException | UnsupportedOperationException | SecurityException ignored) {
            // not Linux, or /proc is read-only: the process keeps the name "java"
        }
    }

    /** {@code cmd} started with {@code argv[0] = title} through bash's {@code exec -a}, when bash exists. */
    public static List<String> named(String title, List<String> cmd) {
        if (!Files.isExecutable(BASH)) return cmd;
        List<String> out = new ArrayList<>(List.of(BASH.toString(), "-c", "exec -a \"$0\" \"$@\"", title));
        out.addAll(cmd);
        return out;
    }
}
