package dev.jgunicorn.operator.events;

import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.desired.Labels;
import io.fabric8.kubernetes.api.model.apps.Deployment;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What applying the desired Deployment changes, in Gunicorn's words: TTIN/TTOU/WINCH for scaling, HUP for a
 * restart trigger, a config roll for a new config hash. Pure: compares the Deployment as it is with the one wanted.
 *
 * @param events        Kubernetes Events to record (reason, message)
 * @param restartReason why the pods roll, or null when they do not
 */
public record Changes(List<Change> events, String restartReason) {
    public record Change(String reason, String message) {
    }

    public static Changes between(Deployment before, Deployment after) {
        List<Change> events = new ArrayList<>();
        int workers = after.getSpec().getReplicas();
        if (before == null) {
            events.add(new Change("Created", "created Deployment " + after.getMetadata().getName() + " with " + workers + " workers"));
            return new Changes(events, null);
        }
        int was = before.getSpec().getReplicas() == null ? 1 : before.getSpec().getReplicas();
        if (was != workers) {
            String signal = workers == 0 ? "WINCH" : workers > was ? "TTIN" : "TTOU";
            events.add(new Change("Scaled", signal + ": workers " + was + " -> " + workers
                    + (workers == 0 ? "; every worker stops, the Deployment, Service and config are kept" : "")));
        }
        Map<String, String> old = before.getSpec().getTemplate().getMetadata().getAnnotations();
        Map<String, String> now = after.getSpec().getTemplate().getMetadata().getAnnotations();
        for (String key : List.of(GunicornServer.RESTARTED_AT_ANNOTATION, Labels.RESTART_NONCE)) {
            String value = now.get(key);
            if (value != null && !value.equals(old == null ? null : old.get(key))) {
                String reason = "HUP: " + key + "=" + value;
                events.add(new Change("RollingRestart", reason + ": replacing every worker, one at a time"));
                return new Changes(events, reason);
            }
        }
        String oldHash = old == null ? null : old.get(Labels.CONFIG_HASH);
        String newHash = now.get(Labels.CONFIG_HASH);
        if (oldHash != null && !Objects.equals(oldHash, newHash)) {
            String reason = "config changed: gunicorn.conf.py " + oldHash + " -> " + newHash;
            events.add(new Change("ConfigChanged", reason + ": replacing every worker, one at a time"));
            return new Changes(events, reason);
        }
        return new Changes(events, null);
    }
}
