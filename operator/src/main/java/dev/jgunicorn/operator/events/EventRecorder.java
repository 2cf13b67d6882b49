package dev.jgunicorn.operator.events;

import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.desired.Labels;
import dev.jgunicorn.operator.status.StatusBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** Writes core/v1 Events about a GunicornServer (what kubectl describe shows). A failed write is only logged. */
public final class EventRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
    private static final AtomicLong SEQUENCE = new AtomicLong();

    public static final String NORMAL = "Normal";
    public static final String WARNING = "Warning";

    private final KubernetesClient client;
    private final String reportingInstance;

    public EventRecorder(KubernetesClient client, String reportingInstance) {
        this.client = client;
        this.reportingInstance = reportingInstance;
    }

    public void record(GunicornServer server, String type, String reason, String message) {
        String now = StatusBuilder.rfc3339(Instant.now());
        String ns = server.getMetadata().getNamespace();
        Event event = new EventBuilder()
                .withNewMetadata()
                    .withName(server.getMetadata().getName() + "." + Long.toHexString(System.currentTimeMillis())
                            + Long.toHexString(SEQUENCE.incrementAndGet()))
                    .withNamespace(ns)
                .endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder()
                        .withApiVersion(server.getApiVersion()).withKind(server.getKind())
                        .withName(server.getMetadata().getName()).withNamespace(ns)
                        .withUid(server.getMetadata().getUid())
                        .withResourceVersion(server.getMetadata().getResourceVersion()).build())
                .withType(type)
                .withReason(reason)
                .withMessage(message.length() > 1024 ? message.substring(0, 1021) + "..." : message)
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .withCount(1)
                .withNewSource().withComponent(Labels.OPERATOR).endSource()
                .withReportingComponent("jgunicorn.dev/operator")
                .withReportingInstance(reportingInstance)
                .build();
        LOG.info("event {} {} on {}/{}: {}", type, reason, ns, server.getMetadata().getName(), message);
        try {
            client.v1().events().inNamespace(ns).resource(event).create();
        } catch (KubernetesClientException e) {
            LOG.warn("could not record event {} on {}/{}: {}", reason, ns, server.getMetadata().getName(), e.getMessage());
        }
    }
}
