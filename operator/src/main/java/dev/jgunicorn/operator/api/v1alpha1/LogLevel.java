package dev.jgunicorn.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The levels setting loglevel names (Gunicorn maps any other word to info; the resource only takes these). */
public enum LogLevel {
    @JsonProperty("debug") DEBUG,
    @JsonProperty("info") INFO,
    @JsonProperty("warning") WARNING,
    @JsonProperty("error") ERROR,
    @JsonProperty("critical") CRITICAL;

    public String settingValue() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
