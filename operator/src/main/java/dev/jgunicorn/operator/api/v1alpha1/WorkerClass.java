package dev.jgunicorn.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The worker classes of setting worker_class (the allowed values are checked against the settings model). */
public enum WorkerClass {
    @JsonProperty("sync") SYNC,
    @JsonProperty("gthread") GTHREAD,
    @JsonProperty("virtual") VIRTUAL,
    @JsonProperty("eventloop") EVENTLOOP,
    @JsonProperty("gevent") GEVENT;

    /** The value as written in gunicorn.conf.py. */
    public String settingValue() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
