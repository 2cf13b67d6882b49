package dev.jgunicorn.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

import java.util.Map;

/** The Service that fronts the worker pods. */
@JsonIgnoreProperties(ignoreUnknown = true) // see GunicornServerSpec
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ServiceSpec {
    public static final String DEFAULT_TYPE = "ClusterIP";
    public static final int DEFAULT_PORT = 80;

    @Pattern("^(ClusterIP|NodePort|LoadBalancer)$")
    @Default(DEFAULT_TYPE)
    @JsonPropertyDescription("The Service type: ClusterIP, NodePort or LoadBalancer.")
    private String type;

    @Min(1)
    @Max(65535)
    @Default("80")
    @JsonPropertyDescription("The port the Service listens on; it forwards to the workers' spec.port.")
    private Integer port;

    @JsonPropertyDescription("Extra annotations on the Service, e.g. for a cloud load balancer.")
    private Map<String, String> annotations;

    public String getType() { return type; }
    public void setType(String type) { this.type = type; }
    public Integer getPort() { return port; }
    public void setPort(Integer port) { this.port = port; }
    public Map<String, String> getAnnotations() { return annotations; }
    public void setAnnotations(Map<String, String> annotations) { this.annotations = annotations; }
}
