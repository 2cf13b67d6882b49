package dev.jgunicorn.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/** How Prometheus finds the workers' /metrics on the admin port. */
@JsonIgnoreProperties(ignoreUnknown = true) // see GunicornServerSpec
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MetricsSpec {
    @Default("true")
    @JsonPropertyDescription("Put prometheus.io/scrape, prometheus.io/port and prometheus.io/path annotations on"
            + " the worker pods, for Prometheus' annotation-based pod discovery.")
    private Boolean scrapeAnnotations;

    @Default("false")
    @JsonPropertyDescription("Create a PodMonitor (monitoring.coreos.com/v1) for the Prometheus Operator; needs its"
            + " CRDs in the cluster, else the resource reports Degraded and everything else still runs.")
    private Boolean podMonitor;

    public Boolean getScrapeAnnotations() { return scrapeAnnotations; }
    public void setScrapeAnnotations(Boolean scrapeAnnotations) { this.scrapeAnnotations = scrapeAnnotations; }
    public Boolean getPodMonitor() { return podMonitor; }
    public void setPodMonitor(Boolean podMonitor) { this.podMonitor = podMonitor; }
}
