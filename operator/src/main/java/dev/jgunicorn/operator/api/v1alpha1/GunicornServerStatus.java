package dev.jgunicorn.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What the operator last saw. Conditions follow the Kubernetes API conventions (metav1.Condition). */
@JsonIgnoreProperties(ignoreUnknown = true) // see GunicornServerSpec
@JsonInclude(JsonInclude.Include.NON_NULL)
public class GunicornServerStatus {
    public static final String READY = "Ready";
    public static final String PROGRESSING = "Progressing";
    public static final String DEGRADED = "Degraded";

    @JsonPropertyDescription("The metadata.generation of the spec this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("Ready: every desired worker runs the current config and is ready. Progressing: a"
            + " rollout (scale, restart, config change) is under way. Degraded: the spec cannot be applied as"
            + " written (reason and message say why) or the rollout is stuck; the last good pods keep running.")
    private List<Condition> conditions = new ArrayList<>();

    @StatusReplicas
    @JsonPropertyDescription("Worker pods that exist now (the scale subresource's status.replicas).")
    private Integer workers;

    @JsonPropertyDescription("Worker pods that are ready (their /readyz answers).")
    private Integer readyWorkers;

    @JsonPropertyDescription("Worker pods running the current pod template (config hash and restart annotations).")
    private Integer updatedWorkers;

    @LabelSelector
    @JsonPropertyDescription("The label selector of the worker pods, for the scale subresource and HPAs.")
    private String selector;

    @JsonPropertyDescription("The image the workers run (spec.image or the operator's default runtime image).")
    private String image;

    @JsonPropertyDescription("Hash of the rendered gunicorn.conf.py; a new hash rolls the pods.")
    private String configHash;

    @JsonPropertyDescription("When the operator last started a rolling restart (HUP or a config change), RFC 3339.")
    private String lastRestartTime;

    @JsonPropertyDescription("Why the last rolling restart happened.")
    private String lastRestartReason;

    public Long getObservedGeneration() { return observedGeneration; }
    public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
    public List<Condition> getConditions() { return conditions; }
    public void setConditions(List<Condition> conditions) { this.conditions = conditions; }
    public Integer getWorkers() { return workers; }
    public void setWorkers(Integer workers) { this.workers = workers; }
    public Integer getReadyWorkers() { return readyWorkers; }
    public void setReadyWorkers(Integer readyWorkers) { this.readyWorkers = readyWorkers; }
    public Integer getUpdatedWorkers() { return updatedWorkers; }
    public void setUpdatedWorkers(Integer updatedWorkers) { this.updatedWorkers = updatedWorkers; }
    public String getSelector() { return selector; }
    public void setSelector(String selector) { this.selector = selector; }
    public String getImage() { return image; }
    public void setImage(String image) { this.image = image; }
    public String getConfigHash() { return configHash; }
    public void setConfigHash(String configHash) { this.configHash = configHash; }
    public String getLastRestartTime() { return lastRestartTime; }
    public void setLastRestartTime(String lastRestartTime) { this.lastRestartTime = lastRestartTime; }
    public String getLastRestartReason() { return lastRestartReason; }
    public void setLastRestartReason(String lastRestartReason) { this.lastRestartReason = lastRestartReason; }

    /** The condition of this type, if set. */
    @JsonIgnore
    public Optional<Condition> condition(String type) {
        return conditions == null ? Optional.empty()
                : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }
}
