package dev.jgunicorn.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.IntOrString;

/** A PodDisruptionBudget for the worker pods: limits how many voluntary evictions (node drains) happen at once. */
@JsonIgnoreProperties(ignoreUnknown = true) // see GunicornServerSpec
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!(has(self.minAvailable) && has(self.maxUnavailable))",
        message = "spec.podDisruptionBudget: set minAvailable or maxUnavailable, not both")
public class DisruptionBudgetSpec {
    @Default("false")
    @JsonPropertyDescription("Create the PodDisruptionBudget; when false none exists (an earlier one is deleted).")
    private Boolean enabled;

    @JsonPropertyDescription("Workers that must stay up during a drain: a number or a percentage such as 50%.")
    private IntOrString minAvailable;

    @JsonPropertyDescription("Workers a drain may take down at once: a number or a percentage;"
            + " 1 when neither this nor minAvailable is set.")
    private IntOrString maxUnavailable;

    public Boolean getEnabled() { return enabled; }
    public void setEnabled(Boolean enabled) { this.enabled = enabled; }
    public IntOrString getMinAvailable() { return minAvailable; }
    public void setMinAvailable(IntOrString minAvailable) { this.minAvailable = minAvailable; }
    public IntOrString getMaxUnavailable() { return maxUnavailable; }
    public void setMaxUnavailable(IntOrString maxUnavailable) { this.maxUnavailable = maxUnavailable; }
}
