package dev.jgunicorn.metrics;

import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.SettingException;
import dev.jgunicorn.settings.Settings;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.NamingConvention;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.util.HierarchicalNameMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.statsd.StatsdConfig;
import io.micrometer.statsd.StatsdFlavor;
import io.micrometer.statsd.StatsdMeterRegistry;
import io.micrometer.statsd.StatsdProtocol;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One process's meters (master or worker): a Prometheus registry that the admin listener scrapes and, when
 * {@code statsd_host} is set, a statsd registry that pushes the same meters as Gunicorn's statsd logger does.
 * Micrometer's JVM and process binders are bound here; the server's own meters come from
 * {@link RequestMetrics} (workers) and the master.
 */
public final class ProcessMetrics implements AutoCloseable {
    private final CompositeMeterRegistry registry = new CompositeMeterRegistry();
    private final PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final StatsdMeterRegistry statsd;
    private final JvmGcMetrics gc = new JvmGcMetrics();

    public ProcessMetrics(Config config) {
        // Two of Micrometer's binder names break Prometheus' conventions (promtool check metrics flags them):
        // a "_count" suffix on a gauge, and a nanosecond counter (process_cpu_usage covers the same ground).
        prometheus.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")));
        prometheus.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
            }
        });
        registry.add(prometheus);
        statsd = statsd(config);
        if (statsd != null) registry.add(statsd);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        LogCounter.install(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition (format 0.0.4) of this process's meters. */
    public String scrape() {
        return prometheus.scrape();
    }

    /** statsd_host as HOST[:PORT] (UDP, port 8125 by default) or unix://PATH (datagram socket); null when unset. */
    static StatsdMeterRegistry statsd(Config config) {
        String host = config.get(Settings.STATSD_HOST);
        if (host == null || host.isBlank()) return null;
        String tags = config.get(Settings.DOGSTATSD_TAGS);
        boolean datadog = tags != null && !tags.isBlank();
        Target target = Target.parse(host);
        StatsdConfig statsdConfig = new StatsdConfig() {
            @Override
            public String get(String key) {
                return null;
            }

            @Override
            public StatsdFlavor flavor() {
                return datadog ? StatsdFlavor.DATADOG : StatsdFlavor.ETSY;
            }

            @Override
            public String host() {
                return target.host();
            }

            @Override
            public int port() {
                return target.port();
            }

            @Override
            public StatsdProtocol protocol() {
                return target.unix() ? StatsdProtocol.UDS_DATAGRAM : StatsdProtocol.UDP;
            }

            @Override
            public Duration pollingFrequency() {
                return Duration.ofSeconds(5);
            }

            @Override
            public boolean buffered() {
                return false; // a line per update, as Gunicorn sends them
            }
        };
        // Plain statsd has no tags: the name alone, as Gunicorn's names (gunicorn.requests, gunicorn.request.duration)
        HierarchicalNameMapper names = (id, convention) -> id.getConventionName(convention);
        StatsdMeterRegistry r = StatsdMeterRegistry.builder(statsdConfig).nameMapper(names).clock(Clock.SYSTEM).build();
        r.config().namingConvention(NamingConvention.dot); // gunicorn.request.duration, as Gunicorn names it
        String prefix = config.get(Settings.STATSD_PREFIX);
        String p = prefix == null || prefix.isBlank() ? "" : prefix.endsWith(".") ? prefix : prefix + ".";
        if (!p.isEmpty()) {
            r.config().meterFilter(new MeterFilter() {
                @Override
                public Meter.Id map(Meter.Id id) {
                    return id.withName(p + id.getName());
                }
            });
        }
        // Only the server's meters go to statsd, as in Gunicorn; the JVM's stay on the Prometheus side.
        // (Micrometer maps names before it asks whether to accept, so the prefix is already on.)
        r.config().meterFilter(MeterFilter.denyUnless(id -> id.getName().startsWith(p + "gunicorn.")));
        if (datadog) r.config().commonTags(dogstatsdTags(tags));
        return r;
    }

    /** dogstatsd_tags: "k1:v1,k2:v2" (a tag without a value gets an empty one, as dogstatsd allows). */
    static List<Tag> dogstatsdTags(String tags) {
        List<Tag> out = new ArrayList<>();
        for (String t : tags.split(",")) {
            t = t.strip();
            if (t.isEmpty()) continue;
            int colon = t.indexOf(':');
            out.add(colon < 0 ? Tag.of(t, "") : Tag.of(t.substring(0, colon), t.substring(colon + 1)));
        }
        return out;
    }

    private record Target(String host, int port, boolean unix) {
        static Target parse(String s) {
            if (s.startsWith("unix://")) return new Target(s.substring("unix://".length()), 0, true);
            int colon = s.lastIndexOf(':');
            if (colon < 0 || s.endsWith("]")) return new Target(s, 8125, false);
            try {
                int port = Integer.parseInt(s.substring(colon + 1));
                if (port < 1 || port > 65535) throw new NumberFormatException();
                return new Target(s.substring(0, colon), port, false);
            } catch (NumberFormatException e) {
                throw new SettingException("statsd_host", "statsd_host: '" + s + "' is not HOST[:PORT] with a port from 1 to 65535,"
                        + " or unix://PATH");
            }
        }
    }

    /** Checks statsd_host at start, so a typo stops the start instead of silently sending nothing. */
    public static void check(Config config) {
        String host = config.get(Settings.STATSD_HOST);
        if (host != null && !host.isBlank()) Target.parse(host);
    }

    @Override
    public void close() {
        if (statsd != null) statsd.close();
        gc.close();
        registry.close();
    }
}
