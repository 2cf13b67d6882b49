package dev.jgunicorn.process;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.net.SyslogAppender;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.joran.spi.JoranException;
import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.Settings;
import org.slf4j.LoggerFactory;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Iterator;
import java.util.Locale;

/**
 * Sets up Logback the way Gunicorn sets up Python logging: the error log (gunicorn.error and everything else)
 * to stderr or --error-logfile, the access log (gunicorn.access) to --access-logfile, or a Logback XML file given
 * with --log-config. USR1 reopens the files.
 */
public final class Logging {
    private static final String ERROR_PATTERN = "[%d{yyyy-MM-dd HH:mm:ss Z}] [%pid] [%level] %msg%n";

    private Logging() {
    }

    public static void configure(Config c) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        ctx.putProperty("pid", Long.toString(ProcessHandle.current().pid()));
        String logconfig = c.get(Settings.LOGCONFIG);
        if (logconfig != null) {
            JoranConfigurator j = new JoranConfigurator();
            j.setContext(ctx);
            try {
                j.doConfigure(c.baseDir().resolve(logconfig).toFile());
            } catch (JoranException e) {
                throw new IllegalArgumentException("log_config " + logconfig + ": " + e.getMessage(), e);
            }
            return;
        }
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(level(c.get(Settings.LOGLEVEL)));
        String errorlog = c.get(Settings.ERRORLOG);
        root.addAppender(appender(ctx, "error", errorlog, ERROR_PATTERN.replace("%pid", ProcessHandle.current().pid() + ""), true));
        ctx.getLogger("io.netty").setLevel(root.getLevel().isGreaterOrEqual(Level.INFO) ? Level.WARN : root.getLevel());

        Logger access = ctx.getLogger("gunicorn.access");
        access.setAdditive(false);
        String accesslog = c.get(Settings.ACCESSLOG);
        access.setLevel(accesslog == null ? Level.OFF : Level.INFO);
        if (accesslog != null) access.addAppender(appender(ctx, "access", accesslog, "%msg%n", false));
        if (c.get(Settings.SYSLOG)) {
            root.addAppender(syslog(ctx, c, "error", "[%pid] [%level] %msg"));
            if (!c.get(Settings.DISABLE_REDIRECT_ACCESS_TO_SYSLOG)) {
                // As in Gunicorn, syslog on means access lines too, even without --access-logfile.
                access.setLevel(Level.INFO);
                access.addAppender(syslog(ctx, c, "access", "%msg"));
            }
        }
        if (c.get(Settings.CAPTURE_OUTPUT) && errorlog != null && !errorlog.equals("-")) {
            try {
                PrintStream out = new PrintStream(new FileOutputStream(c.baseDir().resolve(errorlog).toFile(), true), true);
                System.setOut(out);
                System.setErr(out);
            } catch (IOException e) {
                throw new IllegalArgumentException("capture_output: cannot open " + errorlog + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Gunicorn's syslog output: records tagged {@code gunicorn.<prefix>.error} / {@code .access} to syslog_addr.
     * Logback's SyslogAppender speaks UDP; Gunicorn's unix:// and tcp:// forms are refused with the alternative.
     */
    static SyslogAppender syslog(LoggerContext ctx, Config c, String name, String pattern) {
        String addr = c.get(Settings.SYSLOG_ADDR);
        if (!addr.startsWith("udp://")) {
            throw new IllegalArgumentException("syslog_addr " + addr + ": jgunicorn sends syslog over udp://HOST:PORT only;"
                    + " for a unix socket or TCP use --log-config with a Logback appender");
        }
        String hostPort = addr.substring(6);
        int colon = hostPort.lastIndexOf(':');
        String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
        int port = 514;
        if (colon >= 0) {
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("syslog_addr " + addr + ": the port is not a number");
            }
        }
        String facility = c.get(Settings.SYSLOG_FACILITY).toUpperCase(Locale.ROOT);
        try {
            SyslogAppender.facilityStringToint(facility);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("syslog_facility " + c.get(Settings.SYSLOG_FACILITY)
                    + " is not a syslog facility (allowed: kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron,"
                    + " authpriv, ftp, local0 to local7)");
        }
        String prefix = c.get(Settings.SYSLOG_PREFIX);
        SyslogAppender a = new SyslogAppender();
        a.setContext(ctx);
        a.setName("syslog-" + name);
        a.setSyslogHost(host.isEmpty() ? "localhost" : host);
        a.setPort(port);
        a.setFacility(facility);
        a.setSuffixPattern("gunicorn." + (prefix == null ? "" : prefix + ".") + name + ": "
                + pattern.replace("%pid", Long.toString(ProcessHandle.current().pid())));
        a.start();
        return a;
    }

    /** Gunicorn's level names; like Gunicorn, an unknown name means info. */
    static Level level(String name) {
        return switch (name == null ? "info" : name.toLowerCase(Locale.ROOT)) {
            case "debug" -> Level.DEBUG;
            case "warning", "warn" -> Level.WARN;
            case "error", "critical" -> Level.ERROR;
            default -> Level.INFO;
        };
    }

    private static Appender<ILoggingEvent> appender(LoggerContext ctx, String name, String target, String pattern, boolean stderr) {
        PatternLayoutEncoder enc = new PatternLayoutEncoder();
        enc.setContext(ctx);
        enc.setPattern(pattern);
        enc.start();
        OutputStreamAppender<ILoggingEvent> a;
        if (target.equals("-")) {
            ConsoleAppender<ILoggingEvent> con = new ConsoleAppender<>();
            con.setTarget(stderr ? "System.err" : "System.out");
            a = con;
        } else {
            FileAppender<ILoggingEvent> f = new FileAppender<>();
            f.setFile(target);
            f.setAppend(true);
            a = f;
        }
        a.setContext(ctx);
        a.setName(name);
        a.setEncoder(enc);
        a.start();
        return a;
    }

    /** USR1: close and reopen every log file, so logrotate can move them. */
    public static void reopen() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        for (Logger l : ctx.getLoggerList()) {
            for (Iterator<Appender<ILoggingEvent>> it = l.iteratorForAppenders(); it.hasNext(); ) {
                if (it.next() instanceof FileAppender<ILoggingEvent> f) {
                    f.stop();
                    f.start();
                }
            }
        }
    }
}
