package dev.jgunicorn.sidecar;

import dev.jgunicorn.metrics.AdminServer;
import dev.jgunicorn.process.ExitCodes;
import dev.jgunicorn.process.Logging;
import dev.jgunicorn.server.BindAddress;
import dev.jgunicorn.settings.Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code jgunicorn sidecar}: what Python Gunicorn lacks, beside it in the pod. It receives Gunicorn's statsd lines
 * (--statsd-host pointed at it) and serves them on the admin port as the jgunicorn runtime's Prometheus series
 * ({@link StatsdMetrics}); /healthz answers whether Gunicorn's master runs (--pidfile), /readyz whether the app
 * accepts connections on --bind (or answers --ready-path), false from the moment TERM arrives. On TERM it keeps
 * serving until the master has exited or --graceful-timeout has passed, so the last scrape sees the drain.
 */
public final class Sidecar {
    private static final Logger log = LoggerFactory.getLogger("gunicorn.error");

    static final String USAGE = """
            usage: jgunicorn sidecar [OPTIONS]

            Serves Python Gunicorn's statsd metrics as Prometheus series, and probes for it. Give Gunicorn
            --statsd-host pointing here, and the sidecar the same --statsd-prefix, --pidfile and --bind.

              --statsd-bind HOST:PORT   where Gunicorn's statsd lines arrive (UDP)      [127.0.0.1:9125]
              --statsd-prefix PREFIX    the prefix Gunicorn's --statsd-prefix sets      [none]
              --admin-bind HOST:PORT    /metrics, /healthz, /readyz (0.0.0.0:9102 in a pod) [127.0.0.1:9102]
              -p, --pidfile PATH        Gunicorn's pidfile: /healthz and the worker count  [none: /healthz is ok]
              -b, --bind HOST:PORT      the app's address, for /readyz                     [none: /readyz is ok]
              --ready-path PATH         /readyz GETs this path and wants a 2xx or 3xx      [a TCP connect]
              --graceful-timeout SECS   after TERM, serve until Gunicorn exits or this passes [30]
            """;

    record Options(InetSocketAddress statsdBind, String statsdPrefix, String adminBind, Path pidfile,
                   InetSocketAddress appBind, String readyPath, int gracefulTimeout) {
    }

    private final Options options;
    private final GunicornMaster master;
    private final StatsdMetrics metrics;
    private volatile boolean draining;

    Sidecar(Options options) {
        this.options = options;
        this.master = options.pidfile() == null ? null : new GunicornMaster(options.pidfile());
        this.metrics = new StatsdMetrics(options.statsdPrefix(), master == null ? () -> -1 : master::workers);
    }

    public static int run(List<String> args, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            err.print(USAGE);
            err.println("jgunicorn sidecar: error: " + e.getMessage());
            return ExitCodes.USAGE_ERROR;
        }
        if (options == null) {
            out.print(USAGE);
            return 0;
        }
        Logging.configure(Config.defaults());
        try {
            return new Sidecar(options).serve();
        } catch (IOException e) {
            err.println("Error: " + e.getMessage());
            return ExitCodes.CONFIG_ERROR;
        }
    }

    /** The options, or null for --help. */
    static Options parse(List<String> args) {
        InetSocketAddress statsd = inetAddress("--statsd-bind", "127.0.0.1:9125");
        String prefix = "";
        String admin = "127.0.0.1:9102";
        Path pidfile = null;
        InetSocketAddress app = null;
        String readyPath = null;
        int grace = 30;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("-h") || a.equals("--help")) return null;
            String name = a;
            String value;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new IllegalArgumentException(a.startsWith("-") ? a + " needs a value" : "unexpected argument '" + a + "'");
            }
            switch (name) {
                case "--statsd-bind" -> statsd = inetAddress(name, value);
                case "--statsd-prefix" -> prefix = value;
                case "--admin-bind" -> admin = value;
                case "-p", "--pidfile" -> pidfile = Path.of(value).toAbsolutePath();
                case "-b", "--bind" -> app = inetAddress(name, value);
                case "--ready-path" -> {
                    if (!value.startsWith("/") || value.chars().anyMatch(c -> c <= ' ' || c >= 127)) {
                        throw new IllegalArgumentException("--ready-path: '" + value + "' is not an absolute path such as /healthz");
                    }
                    readyPath = value;
                }
                case "--graceful-timeout" -> {
                    try {
                        grace = Integer.parseInt(value);
                    } catch (NumberFormatException e) {
                        grace = -1;
                    }
                    if (grace < 0 || grace > 3600) {
                        throw new IllegalArgumentException("--graceful-timeout: '" + value + "' is not a number of seconds from 0 to 3600");
                    }
                }
                default -> throw new IllegalArgumentException("unknown option '" + name + "'");
            }
        }
        if (readyPath != null && app == null) throw new IllegalArgumentException("--ready-path needs --bind (the app's address)");
        AdminServer.address(admin); // a bad --admin-bind stops here, named
        return new Options(statsd, prefix, admin, pidfile, app, readyPath, grace);
    }

    private static InetSocketAddress inetAddress(String option, String value) {
        try {
            if (BindAddress.parse(value) instanceof InetSocketAddress a) return a;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage());
        }
        throw new IllegalArgumentException(option + ": '" + value + "' is not HOST:PORT with a port from 1 to 65535");
    }

    private int serve() throws IOException {
        DatagramSocket statsd = new DatagramSocket(null);
        statsd.setReceiveBufferSize(1 << 20); // a burst of requests is a burst of datagrams; the kernel may cap this
        statsd.bind(options.statsdBind());
        AdminServer admin = AdminServer.start(options.adminBind(), metrics::scrape, this::liveness, this::readiness);
        log.info("jgunicorn sidecar: statsd on udp://{}:{}, admin at http://{}:{} (/metrics, /healthz, /readyz)",
                statsd.getLocalAddress().getHostAddress(), statsd.getLocalPort(),
                admin.address().getAddress().getHostAddress(), admin.address().getPort());
        Thread receiver = Thread.ofPlatform().name("statsd").daemon().start(() -> receive(statsd));
        Thread main = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            drain();
            main.interrupt();
        }, "drain"));
        try {
            receiver.join();
        } catch (InterruptedException e) {
            // the drain is over; the JVM is exiting
        }
        return 0;
    }

    private void receive(DatagramSocket socket) {
        byte[] buf = new byte[65536];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        while (!socket.isClosed()) {
            try {
                socket.receive(p);
                metrics.accept(buf, p.getLength());
            } catch (IOException e) {
                log.warn("statsd: {}", e.toString());
            }
        }
    }

    /** After TERM: /readyz fails at once; /metrics keeps serving until Gunicorn is gone or the grace period ends. */
    private void drain() {
        draining = true;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.gracefulTimeout());
        log.info("jgunicorn sidecar: TERM, serving until Gunicorn exits (at most {} s)", options.gracefulTimeout());
        while (System.nanoTime() < deadline && gunicornRuns()) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
        log.info("jgunicorn sidecar: stopping");
    }

    private boolean gunicornRuns() {
        if (master != null) return master.notRunning() == null;
        return options.appBind() != null && connects();
    }

    private AdminServer.Check liveness() {
        if (master == null) return AdminServer.Check.OK;
        String why = master.notRunning();
        return why == null ? AdminServer.Check.OK : AdminServer.Check.failing(why);
    }

    private AdminServer.Check readiness() {
        if (draining) return AdminServer.Check.failing("draining: the pod is stopping");
        if (options.appBind() == null) return AdminServer.Check.OK;
        if (options.readyPath() == null) {
            return connects() ? AdminServer.Check.OK : AdminServer.Check.failing("the app does not accept connections on " + address());
        }
        int status = get(options.readyPath());
        return status >= 200 && status < 400 ? AdminServer.Check.OK
                : AdminServer.Check.failing("GET " + options.readyPath() + " on " + address() + ": " + (status < 0 ? "no answer" : status));
    }

    private String address() {
        return options.appBind().getHostString() + ":" + options.appBind().getPort();
    }

    private boolean connects() {
        try (Socket s = new Socket()) {
            s.connect(options.appBind(), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The status of a GET to the app, or -1 without an answer within 2 s. */
    private int get(String path) {
        try (Socket s = new Socket()) {
            s.connect(options.appBind(), 1000);
            s.setSoTimeout(2000);
            OutputStream o = s.getOutputStream();
            o.write(("GET " + path + " HTTP/1.1\r\nHost: " + address() + "\r\nConnection: close\r\n"
                    + "User-Agent: jgunicorn-sidecar\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            o.flush();
            InputStream in = s.getInputStream();
            byte[] head = in.readNBytes(12); // "HTTP/1.1 200"
            String line = new String(head, StandardCharsets.US_ASCII);
            return line.startsWith("HTTP/1.") && line.length() == 12 ? Integer.parseInt(line.substring(9, 12)) : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}
