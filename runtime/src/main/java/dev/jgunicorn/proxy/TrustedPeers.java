package dev.jgunicorn.proxy;

import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The proxies trusted in front of the server: a peer allow list in the form of Gunicorn's {@code forwarded_allow_ips}
 * (who may set the scheme and forwarder headers) and {@code proxy_allow_ips} (who may send a PROXY header): IP
 * addresses, CIDR networks or {@code "*"} (any peer). Each entry may itself be a comma-separated list; entries that are neither an
 * IP nor a CIDR are ignored. Peers without an IP address (UNIX sockets, an {@code EmbeddedChannel}; {@code None} in
 * Gunicorn's test harness) are always trusted, as in Gunicorn. Immutable and thread-safe.
 */
public final class TrustedPeers {

    private final boolean any;
    private final List<byte[]> nets = new ArrayList<>();
    private final List<Integer> bits = new ArrayList<>();

    private TrustedPeers(List<String> entries) {
        boolean star = false;
        for (String list : entries == null ? List.<String>of() : entries) {
            if (list == null) continue;
            for (String entry : list.split(",")) {
                star |= add(entry.trim());
            }
        }
        any = star;
    }

    /** The allow list made of these entries (each an IP, a CIDR, {@code "*"} or a comma-separated list of them). */
    public static TrustedPeers of(List<String> entries) {
        return new TrustedPeers(entries);
    }

    /** Whether this peer is trusted: always for non-IP peers, else when it matches an entry. */
    public boolean trusts(SocketAddress peer) {
        if (!(peer instanceof InetSocketAddress inet)) return true;
        if (any) return true;
        InetAddress addr = inet.getAddress();
        return addr != null && trusts(addr);
    }

    /** Whether this IP address matches an entry. */
    public boolean trusts(InetAddress addr) {
        if (any) return true;
        byte[] ip = addr.getAddress();
        for (int i = 0; i < nets.size(); i++) {
            if (inNetwork(ip, nets.get(i), bits.get(i))) return true;
        }
        return false;
    }

    /** Returns true for "*"; otherwise records an IP or CIDR (entries that are neither are ignored). */
    private boolean add(String entry) {
        if (entry.equals("*")) return true;
        if (entry.isEmpty()) return false;
        int slash = entry.indexOf('/');
        byte[] net = NetUtil.createByteArrayFromIpAddressString(slash < 0 ? entry : entry.substring(0, slash));
        if (net == null) return false;
        int n = net.length * 8;
        if (slash >= 0) {
            try {
                n = Integer.parseInt(entry.substring(slash + 1));
            } catch (NumberFormatException e) {
                return false;
            }
            if (n < 0 || n > net.length * 8) return false;
        }
        nets.add(net);
        bits.add(n);
        return false;
    }

    private static boolean inNetwork(byte[] ip, byte[] net, int bits) {
        if (ip.length != net.length) return false;
        int i = 0;
        for (; bits >= 8; bits -= 8, i++) {
            if (ip[i] != net[i]) return false;
        }
        if (bits == 0) return true;
        int mask = 0xff << (8 - bits) & 0xff;
        return (ip[i] & mask) == (net[i] & mask);
    }
}
