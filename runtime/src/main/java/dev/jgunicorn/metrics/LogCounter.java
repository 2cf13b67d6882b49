package dev.jgunicorn.metrics;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.LoggerFactory;

/**
 * Counts the error log's lines by level into {@code gunicorn_log_total{level}} (Gunicorn's statsd logger counts
 * {@code gunicorn.log.<level>}); level names are Gunicorn's: debug, info, warning, error.
 */
final class LogCounter extends AppenderBase<ILoggingEvent> {
    private final Counter debug;
    private final Counter info;
    private final Counter warning;
    private final Counter error;

    private LogCounter(MeterRegistry registry) {
        debug = counter(registry, "debug");
        info = counter(registry, "info");
        warning = counter(registry, "warning");
        error = counter(registry, "error");
    }

    private static Counter counter(MeterRegistry registry, String level) {
        return Counter.builder("gunicorn.log").tag("level", level).description("Error-log lines written, by level")
                .register(registry);
    }

    /** Attaches a counter to the root logger as configured now (after the logging setup). */
    static void install(MeterRegistry registry) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) return;
        LogCounter counter = new LogCounter(registry);
        counter.setContext(ctx);
        counter.setName("gunicorn-log-counter");
        counter.start();
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(counter);
    }

    @Override
    protected void append(ILoggingEvent e) {
        Level l = e.getLevel();
        if (l.isGreaterOrEqual(Level.ERROR)) error.increment();
        else if (l.isGreaterOrEqual(Level.WARN)) warning.increment();
        else if (l.isGreaterOrEqual(Level.INFO)) info.increment();
        else debug.increment();
    }
}
