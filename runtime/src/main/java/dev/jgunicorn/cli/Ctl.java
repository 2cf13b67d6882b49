package dev.jgunicorn.cli;

import dev.jgunicorn.process.ExitCodes;
import dev.jgunicorn.settings.Settings;

import java.io.IOException;
import java.io.PrintStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code jgunicorn ctl [-s PATH] COMMAND}: Gunicorn's {@code gunicornc}, talking to a running master over its control
 * socket. Exit codes: 0 done, 1 the master refused the command, 2 bad usage, 3 no master answers.
 */
final class Ctl {
    static final String USAGE = """
            usage: jgunicorn ctl [-s|--control-socket PATH] COMMAND

            Commands (as Gunicorn's gunicornc):
              show workers             each worker: number, pid, age, state, requests served, open connections
              show stats               master pid, uptime, worker counts, requests, restarts by reason
              show config              the master's effective settings
              show listeners           the addresses the workers serve
              show all                 all of the above
              worker add [N]           N more workers (TTIN), default 1
              worker remove [N]        N fewer workers (TTOU), default 1, never below 1
              worker kill PID          stop that worker gracefully; the master starts a replacement
              reload                   HUP: new workers with the re-read configuration, then the old ones leave
              reopen                   USR1: reopen the log files in the master and the workers
              shutdown [graceful|quick]  TERM (default) or INT
            The socket defaults to the control_socket setting's default ($XDG_RUNTIME_DIR/gunicorn.ctl, else
            ~/.gunicorn/gunicorn.ctl).

            In Kubernetes (bin/jgunicorn ctl -K, the same as kubectl gunicorn):
              signal NAME TTIN|TTOU|HUP|WINCH|TERM   scale, rolling restart, stop all workers, delete
                                                     (TERM asks first; --yes answers for you)
              status NAME                            the GunicornServer's workers
            """;

    private Ctl() {
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        Path socket = null;
        List<String> words = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if ((a.equals("-s") || a.equals("--control-socket")) && i + 1 < args.size()) {
                socket = Path.of(args.get(++i));
            } else if (a.startsWith("--control-socket=")) {
                socket = Path.of(a.substring("--control-socket=".length()));
            } else if (a.equals("-h") || a.equals("--help")) {
                out.print(USAGE);
                return 0;
            } else {
                words.add(a);
            }
        }
        if (words.isEmpty()) {
            err.print(USAGE);
            return ExitCodes.USAGE_ERROR;
        }
        if (socket == null) socket = Path.of(Settings.CONTROL_SOCKET.defaultValue(System.getenv()));
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ch.write(ByteBuffer.wrap((String.join(" ", words) + "\n").getBytes(StandardCharsets.UTF_8)));
            ch.shutdownOutput();
            String reply = new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
            if (reply.startsWith("ok\n")) {
                out.print(reply.substring(3));
                return 0;
            }
            err.println("jgunicorn ctl: " + (reply.startsWith("error ") ? reply.substring(6).strip() : "no answer"));
            return reply.startsWith("error unknown command") ? ExitCodes.USAGE_ERROR : ExitCodes.CTL_REFUSED;
        } catch (IOException e) {
            err.println("jgunicorn ctl: no master answers on " + socket + " (" + e.getMessage() + ")");
            return ExitCodes.CTL_NO_MASTER;
        }
    }
}
