package dev.jgunicorn.arbiter;

import dev.jgunicorn.process.ProcessEnvironment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Listening sockets the master did not open itself: {@code fd://N} binds and systemd socket activation
 * ({@code LISTEN_PID}/{@code LISTEN_FDS}, descriptors from 3 on). Linux only, like the epoll transport.
 */
final class InheritedSockets {
    /** An inherited listening descriptor and whether it is a Unix socket (else TCP). */
    record Inherited(int fd, boolean unix) {
    }

    private InheritedSockets() {
    }

    /** systemd's sockets when LISTEN_PID names this process, else none. */
    static List<Inherited> fromSystemd(Map<String, String> env) throws IOException {
        String pid = env.get(ProcessEnvironment.LISTEN_PID);
        String count = env.get(ProcessEnvironment.LISTEN_FDS);
        if (pid == null || count == null || !pid.strip().equals(Long.toString(ProcessHandle.current().pid()))) return List.of();
        int n;
        try {
            n = Integer.parseInt(count.strip());
        } catch (NumberFormatException e) {
            throw new IOException("LISTEN_FDS=" + count + " is not a number");
        }
        List<Inherited> out = new ArrayList<>();
        for (int fd = 3; fd < 3 + n; fd++) out.add(describe(fd));
        return out;
    }

    /** The descriptor of an {@code fd://N} bind, checked to be an open socket. */
    static Inherited fromBind(String bind) throws IOException {
        int fd;
        try {
            fd = Integer.parseInt(bind.substring("fd://".length()).strip());
        } catch (NumberFormatException e) {
            throw new IOException("bind " + bind + ": the descriptor is not a number");
        }
        return describe(fd);
    }

    private static Inherited describe(int fd) throws IOException {
        Path link = Path.of("/proc/self/fd/" + fd);
        String target;
        try {
            target = Files.readSymbolicLink(link).toString();
        } catch (IOException e) {
            throw new IOException("descriptor " + fd + " is not open in this process");
        }
        if (!target.startsWith("socket:[")) throw new IOException("descriptor " + fd + " is not a socket (" + target + ")");
        String inode = target.substring(8, target.length() - 1);
        // /proc/net/unix lists every Unix socket's inode; a socket not there is TCP (IPv4 or IPv6).
        for (String line : Files.readAllLines(Path.of("/proc/net/unix"))) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length >= 7 && cols[6].equals(inode)) return new Inherited(fd, true);
        }
        return new Inherited(fd, false);
    }
}
