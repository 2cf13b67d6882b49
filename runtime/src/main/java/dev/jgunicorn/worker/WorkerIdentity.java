package dev.jgunicorn.worker;

import dev.jgunicorn.process.FileMode;
import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.SettingException;
import dev.jgunicorn.settings.Settings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * -u/--user, -g/--group, --initgroups and -m/--umask. The JVM cannot change its own uid or umask, so the master
 * starts each worker through {@code setpriv} (util-linux) and {@code sh -c 'umask ...; exec ...'}, and applies the
 * umask to the unix socket files it binds. Names are resolved once at start; an unknown one stops the start.
 */
public record WorkerIdentity(Integer uid, Integer gid, boolean initGroups, Integer umask) {

    public static WorkerIdentity of(Config c) {
        Integer uid = c.get(Settings.USER) == null ? null : resolve("user", c.get(Settings.USER), List.of("id", "-u"));
        Integer gid = c.get(Settings.GROUP) == null ? null : resolve("group", c.get(Settings.GROUP), List.of("getent", "group"));
        Integer umask = "default".equals(c.sourceOf(Settings.UMASK)) ? null : c.get(Settings.UMASK);
        return new WorkerIdentity(uid, gid, c.get(Settings.INITGROUPS), umask);
    }

    /** A numeric id as is; a name through {@code id -u NAME} or {@code getent group NAME}. */
    private static int resolve(String setting, String value, List<String> lookup) {
        if (value.matches("\\d+")) return Integer.parseInt(value);
        List<String> cmd = new ArrayList<>(lookup);
        cmd.add(value);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && !out.isEmpty()) {
                String id = lookup.get(0).equals("getent") ? out.split(":")[2] : out;
                return Integer.parseInt(id.strip());
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            // fall through to the error below
        }
        throw new SettingException(setting, setting + " " + value + " is not a known " + setting + " on this machine");
    }

    boolean changesUser() {
        return uid != null || gid != null;
    }

    /** The worker command wrapped so it runs with this identity and umask. */
    public List<String> wrap(List<String> cmd) {
        List<String> out = new ArrayList<>();
        if (changesUser()) {
            out.add("setpriv");
            if (uid != null) out.add("--reuid=" + uid);
            if (gid != null) out.add("--regid=" + gid);
            out.add(initGroups && uid != null ? "--init-groups" : "--clear-groups");
            out.add("--");
        }
        if (umask != null) {
            out.addAll(List.of("sh", "-c", "umask " + Integer.toOctalString(umask) + " && exec \"$@\"", "sh"));
        }
        out.addAll(cmd);
        return out;
    }

    /** Lets the workers' user reach a file the master made for them (the worker link and its directory). */
    public void grantAccess(Path path) throws IOException {
        if (uid != null) Files.setAttribute(path, "unix:uid", uid);
        if (gid != null) Files.setAttribute(path, "unix:gid", gid);
    }

    /** A unix socket file the master bound: owned by the workers' user and group, mode 0777 &amp; ~umask. */
    public void applyToSocketFile(Path socket) throws IOException {
        grantAccess(socket);
        if (umask != null) Files.setPosixFilePermissions(socket, FileMode.permissions(0777 & ~umask));
    }
}
