package dev.jgunicorn.operator.desired;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** The labels and annotations the operator puts on what it owns. */
public final class Labels {
    private Labels() {
    }

    public static final String NAME = "app.kubernetes.io/name";
    public static final String INSTANCE = "app.kubernetes.io/instance";
    public static final String COMPONENT = "app.kubernetes.io/component";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String APP_NAME = "jgunicorn";
    public static final String OPERATOR = "jgunicorn-operator";
    /** The informers of owned objects only see objects with this label (not every ConfigMap in the cluster). */
    public static final String MANAGED_SELECTOR = MANAGED_BY + "=" + OPERATOR;

    /** The component label of the config ConfigMaps (one per config version, see DesiredState#configMapName). */
    public static final String CONFIG_COMPONENT = "config";
    public static final String CONFIG_HASH = "jgunicorn.dev/config-hash";
    public static final String RESTART_NONCE = "jgunicorn.dev/restart-nonce";
    /** On the Deployment (not the pods): when and why the operator last rolled the pods. Kept on the owned
     *  object so the status never loses it to a stale cached copy of the GunicornServer. */
    public static final String LAST_RESTART_TIME = "jgunicorn.dev/last-restart-time";
    public static final String LAST_RESTART_REASON = "jgunicorn.dev/last-restart-reason";

    /** The labels that select one GunicornServer's worker pods. */
    public static Map<String, String> selector(String server) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(NAME, APP_NAME);
        m.put(INSTANCE, server);
        return m;
    }

    /** Selector labels plus the component and the managed-by mark. */
    public static Map<String, String> owned(String server, String component) {
        Map<String, String> m = selector(server);
        m.put(COMPONENT, component);
        m.put(MANAGED_BY, OPERATOR);
        return m;
    }

    /** The selector as the scale subresource and kubectl want it: {@code k=v,k=v}. */
    public static String selectorString(String server) {
        return selector(server).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }
}
