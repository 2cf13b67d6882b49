package dev.jgunicorn.operator;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;

import java.util.function.Consumer;

/** Builds the fabric8 client from a kubeconfig, including one whose client key is PKCS#8 EC. */
public final class Clients {
    private Clients() {
    }

    /** A client as the kubeconfig says: for the kubectl plugin and tests. */
    public static KubernetesClient build(Config config) {
        return build(config, http -> {
        });
    }

    /** The operator's client: its API requests held to the configured QPS and burst ({@link ApiRateLimit}). */
    public static KubernetesClient forOperator(Config config, OperatorConfig operator) {
        ApiRateLimit limit = new ApiRateLimit(operator.apiQps(), operator.apiBurst());
        return build(config, http -> http.addOrReplaceInterceptor(ApiRateLimit.NAME, limit));
    }

    /**
     * fabric8 7.5 reads an unlabelled PKCS#8 key ("BEGIN PRIVATE KEY") as RSA unless client-key-algo says otherwise,
     * and fails with "Invalid DER: object is not integer" on an EC key (openssl's default, k3s, the e2e testbed).
     * On that failure the client is built again with EC.
     */
    private static KubernetesClient build(Config config, Consumer<HttpClient.Builder> http) {
        try {
            return new KubernetesClientBuilder().withConfig(config).withHttpClientBuilderConsumer(http).build();
        } catch (RuntimeException e) {
            boolean hasKey = config.getClientKeyData() != null || config.getClientKeyFile() != null;
            if (!hasKey || "EC".equals(config.getClientKeyAlgo())) throw e;
            config.setClientKeyAlgo("EC");
            return new KubernetesClientBuilder().withConfig(config).withHttpClientBuilderConsumer(http).build();
        }
    }
}
