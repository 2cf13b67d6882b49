package dev.jgunicorn.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The accept-queue length of a listening TCP socket (Gunicorn's {@code enable_backlog_metric}), read from the
 * kernel's socket table: for a socket in LISTEN state, {@code /proc/net/tcp[6]}'s rx_queue is the number of
 * connections that completed the handshake and wait for an accept. Linux only, as in Gunicorn.
 */
public final class ListenQueue {
    private static final String LISTEN = "0A";

    private ListenQueue() {
    }

    /** Connections waiting for an accept on {@code address}, or -1 when the kernel table has no such listener. */
    public static long length(InetSocketAddress address) {
        byte[] ip = address.getAddress().getAddress();
        if (ip.length == 4) {
            long n = length(Path.of("/proc/net/tcp"), hex(ip, address.getPort()));
            if (n >= 0) return n;
            // Netty opens dual-stack sockets: an IPv4 bind shows in tcp6 as the v4-mapped ::ffff:a.b.c.d
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(ip, 0, mapped, 12, 4);
            ip = mapped;
        }
        return length(Path.of("/proc/net/tcp6"), hex(ip, address.getPort()));
    }

    private static long length(Path table, String local) {
        List<String> lines;
        try {
            lines = Files.readAllLines(table);
        } catch (IOException e) {
            return -1;
        }
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).trim().split("\\s+");
            if (f.length > 4 && f[3].equals(LISTEN) && f[1].equalsIgnoreCase(local)) {
                return Long.parseLong(f[4].substring(f[4].indexOf(':') + 1), 16);
            }
        }
        return -1;
    }

    /** The kernel's "ADDRESS:PORT" spelling: the address as 32-bit words in host (little-endian) order, in hex. */
    static String hex(byte[] ip, int port) {
        StringBuilder sb = new StringBuilder();
        for (int word = 0; word < ip.length; word += 4) {
            for (int i = 3; i >= 0; i--) sb.append(String.format(Locale.ROOT, "%02X", ip[word + i] & 0xff));
        }
        return sb.append(':').append(String.format(Locale.ROOT, "%04X", port)).toString();
    }
}
