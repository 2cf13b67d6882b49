package dev.jgunicorn.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A jgunicorn server in the cluster: what a user would pass to {@code jgunicorn}, turned by the operator into
 * a Deployment whose pods each run exactly one worker (Kubernetes plays Gunicorn's master).
 */
@Group(GunicornServer.GROUP)
@Version(GunicornServer.VERSION)
@ShortNames("gus")
// Columns in the order kubectl shows them: Workers, Ready, Status, Age (Image with -o wide).
@AdditionalPrinterColumn(name = "Workers", jsonPath = ".spec.workers", type = AdditionalPrinterColumn.Type.INTEGER,
        getDescription = "Desired workers (pods)")
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.readyWorkers", type = AdditionalPrinterColumn.Type.INTEGER,
        getDescription = "Ready workers")
@AdditionalPrinterColumn(name = "Status", jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason",
        type = AdditionalPrinterColumn.Type.STRING, getDescription = "The reason of the Ready condition")
@AdditionalPrinterColumn(name = "Image", jsonPath = ".status.image", type = AdditionalPrinterColumn.Type.STRING,
        priority = 1, getDescription = "The image the workers run")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class GunicornServer extends CustomResource<GunicornServerSpec, GunicornServerStatus> implements Namespaced {
    public static final String GROUP = "jgunicorn.dev";
    public static final String VERSION = "v1alpha1";

    /** An annotation on the resource whose every new value rolls all pods: Gunicorn's HUP. */
    public static final String RESTARTED_AT_ANNOTATION = "jgunicorn.dev/restartedAt";

    @Override
    @JsonPropertyDescription("What to run: the jgunicorn settings, the image and the app, and how Kubernetes places,"
            + " exposes and protects the worker pods.")
    public GunicornServerSpec getSpec() {
        return super.getSpec();
    }

    @Override
    @JsonPropertyDescription("What the operator observed: conditions Ready, Progressing and Degraded, worker counts"
            + " and the last rolling restart.")
    public GunicornServerStatus getStatus() {
        return super.getStatus();
    }
}
