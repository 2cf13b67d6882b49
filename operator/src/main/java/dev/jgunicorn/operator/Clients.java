package dev.jgunicorn.operator;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/** Builds the fabric8 client from a kubeconfig, including one whose client key is PKCS#8 EC. */
public final class Clients {
    private Clients() {
    }

    /**
     * fabric8 7.5 reads an unlabelled PKCS#8 key ("BEGIN PRIVATE KEY") as RSA unless client-key-algo says otherwise,
     * and fails with "Invalid DER: object is not integer" on an EC key (openssl's default, k3s, the e2e testbed).
     * On that failure the client is built again with EC.
     */
    public static KubernetesClient build(Config config) {
        try {
            return new KubernetesClientBuilder().withConfig(config).build();
        } catch (RuntimeException e) {
            boolean hasKey = config.getClientKeyData() != null || config.getClientKeyFile() != null;
            if (!hasKey || "EC".equals(config.getClientKeyAlgo())) throw e;
            config.setClientKeyAlgo("EC");
            return new KubernetesClientBuilder().withConfig(config).build();
        }
    }
}
