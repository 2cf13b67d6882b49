package dev.jgunicorn.server;

import io.netty.channel.unix.DomainSocketAddress;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Parses Gunicorn's bind forms: HOST, HOST:PORT, [v6]:PORT, tcp://HOST:PORT, unix:PATH, unix://PATH.
 * ({@code fd://N} is adopted by the master, see InheritedSockets.)
 */
public final class BindAddress {
    private BindAddress() {
    }

    public static SocketAddress parse(String bind) {
        String b = bind.strip();
        if (b.startsWith("unix://")) return new DomainSocketAddress(b.substring(7));
        if (b.startsWith("unix:")) return new DomainSocketAddress(b.substring(5));
        if (b.startsWith("fd://")) {
            throw new IllegalArgumentException("bind " + bind + ": an inherited descriptor is only served under the master"
                    + " (on Linux); bind HOST:PORT instead");
        }
        if (b.startsWith("tcp://")) b = b.substring(6);
        String host;
        String port = null;
        if (b.startsWith("[")) {
            int close = b.indexOf(']');
            if (close < 0) throw new IllegalArgumentException("bind " + bind + ": missing ']' after the IPv6 address");
            host = b.substring(1, close);
            String rest = b.substring(close + 1);
            if (rest.startsWith(":")) port = rest.substring(1);
            else if (!rest.isEmpty()) throw new IllegalArgumentException("bind " + bind + ": expected ':PORT' after ']'");
        } else {
            int colon = b.lastIndexOf(':');
            if (colon >= 0) {
                host = b.substring(0, colon);
                port = b.substring(colon + 1);
            } else {
                host = b;
            }
        }
        int p = 8000;
        if (port != null) {
            try {
                p = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bind " + bind + ": port '" + port + "' is not a number");
            }
            if (p < 0 || p > 65535) throw new IllegalArgumentException("bind " + bind + ": port must be 0 to 65535");
        }
        if (host.isEmpty()) host = "0.0.0.0";
        return new InetSocketAddress(host, p);
    }
}
