package dev.jgunicorn.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AnyType;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;

import java.util.List;
import java.util.Map;

/**
 * The spec of a GunicornServer. Fields named after a jgunicorn setting carry that setting's range and default
 * (SettingsAlignmentTest checks them against {@code dev.jgunicorn.settings.Settings}); {@code settings} takes
 * any other setting by its Gunicorn name.
 */
// Fields a newer CRD added are the schema's business (the API server validates and stores them); an operator that
// does not know them yet (mid-upgrade, or rolled back) must still read the resource, not stop its informer.
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.port != self.adminPort",
        message = "spec.port and spec.adminPort must differ: the admin listener never shares the app's port")
@ValidationRule(value = GunicornServerSpec.GUNICORN_APP_RULE,
        message = "spec.app: with server gunicorn, a WSGI app as module:callable or module:factory() (e.g. app:app)")
@ValidationRule(value = "(has(self.server) && self.server == 'gunicorn') || !self.app.endsWith('()')",
        message = "spec.app: module:factory() is Gunicorn's; a Java app is a class or Class:member (or set server: gunicorn)")
@ValidationRule(value = GunicornServerSpec.JGUNICORN_WORKER_CLASS_RULE,
        message = "spec.workerClass: with server jgunicorn, one of sync, gthread, virtual, eventloop, gevent")
@ValidationRule(value = GunicornServerSpec.GUNICORN_WORKER_CLASS_RULE,
        message = "spec.workerClass: virtual and eventloop are jgunicorn's (Java) worker classes; with server gunicorn"
                + " use sync, gthread, gevent, eventlet, tornado or a worker class's Python path")
@ValidationRule(value = "!has(self.configFile) || (has(self.server) && self.server == 'gunicorn')",
        message = "spec.configFile: only with server gunicorn (a jgunicorn app's settings go in spec.settings)")
public class GunicornServerSpec {
    // The settings model's defaults of workers and of bind's port (checked by SettingsAlignmentTest).
    public static final int DEFAULT_WORKERS = 1;
    public static final int DEFAULT_PORT = 8000;
    // The operator's own choices: admin_bind has no default (off), and the probes need the admin listener.
    public static final int DEFAULT_ADMIN_PORT = 9000;
    public static final int DEFAULT_PRE_STOP_DELAY = 5;

    // Gunicorn's WSGI app forms; a Java app is never a factory call.
    static final String GUNICORN_APP_RULE = "!has(self.server) || self.server != 'gunicorn'"
            + " || self.app.matches('^[A-Za-z_][A-Za-z0-9_]*(\\\\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*(\\\\(\\\\))?$')";
    static final String JGUNICORN_WORKER_CLASS_RULE = "(has(self.server) && self.server == 'gunicorn') || !has(self.workerClass)"
            + " || self.workerClass in ['sync', 'gthread', 'virtual', 'eventloop', 'gevent']";
    static final String GUNICORN_WORKER_CLASS_RULE = "!has(self.server) || self.server != 'gunicorn' || !has(self.workerClass)"
            + " || !(self.workerClass in ['virtual', 'eventloop'])";

    @Default("jgunicorn")
    @JsonPropertyDescription("Which server runs the app: jgunicorn (a Java app on the jgunicorn runtime image) or"
            + " gunicorn (a Python WSGI app under Gunicorn from spec.image, with the jgunicorn sidecar beside it for"
            + " /metrics, /healthz and /readyz). See docs/operator.md, Python apps.")
    private AppServer server;

    @Pattern("^/.+")
    @JsonPropertyDescription("With server gunicorn: the path of your own gunicorn.conf.py inside the image, loaded"
            + " first (its hooks keep working); the resource's fields and settings then override what it sets.")
    private String configFile;

    @Required
    @Pattern("^[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*(:[A-Za-z_$][A-Za-z0-9_$]*(\\(\\))?)?$")
    @JsonPropertyDescription("The app to serve. With server jgunicorn, jgunicorn's APP argument: a class implementing"
            + " com.sun.net.httpserver.HttpHandler (com.example.App) or a static member yielding one"
            + " (com.example.App:handler), found on the image's class path or settings.classpath."
            + " Example: dev.jgunicorn.demo.Hello (bundled with the runtime image). With server gunicorn,"
            + " Gunicorn's WSGI app: module:callable or module:factory() (e.g. app:app).")
    private String app;

    @JsonPropertyDescription("The container image: the jgunicorn runtime image or an app image built FROM it."
            + " Empty means the runtime image the operator was installed with (serves the bundled demo apps)."
            + " With server gunicorn: required, an image with Python, Gunicorn (on PATH) and the app.")
    private String image;

    @Pattern("^(Always|IfNotPresent|Never)$")
    @JsonPropertyDescription("When the kubelet pulls the image: Always, IfNotPresent or Never;"
            + " empty leaves Kubernetes' default (Always for :latest, else IfNotPresent).")
    private String imagePullPolicy;

    @JsonPropertyDescription("Secrets holding registry credentials for pulling the image.")
    private List<LocalObjectReference> imagePullSecrets;

    @SpecReplicas
    @Min(0)
    @Default("1")
    @JsonPropertyDescription("How many workers run: one pod per worker, each a single jgunicorn worker process"
            + " (setting workers, -w). The scale subresource points here, so kubectl scale and a"
            + " HorizontalPodAutoscaler change it: Gunicorn's TTIN/TTOU. 0 keeps every object but stops all"
            + " workers: Gunicorn's WINCH.")
    private Integer workers;

    @Min(0)
    @Default("1")
    @JsonPropertyDescription("Request threads per worker (setting threads, --threads); more than 1 with workerClass"
            + " sync switches to gthread, as in Gunicorn.")
    private Integer threads;

    @Default("sync")
    @Pattern("^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$")
    @JsonPropertyDescription("How a worker runs requests (setting worker_class, -k). With server jgunicorn: sync,"
            + " gthread, virtual (a virtual thread per request; gevent is its alias) or eventloop. With server"
            + " gunicorn: Gunicorn's sync, gthread, gevent, eventlet, tornado, or a class by its Python path"
            + " (e.g. uvicorn_worker.UvicornWorker), installed in the image.")
    private String workerClass;

    @Min(0)
    @Default("1000")
    @JsonPropertyDescription("Most connections one worker holds open at once (setting worker_connections).")
    private Integer workerConnections;

    @Min(1)
    @Max(65535)
    @Default("8000")
    @JsonPropertyDescription("The port the app listens on inside the pod: bind = 0.0.0.0:<port> (setting bind);"
            + " the Service forwards to it.")
    private Integer port;

    @Min(1)
    @Max(65535)
    @Default("9000")
    @JsonPropertyDescription("The admin listener's port inside the pod (setting admin_bind = 0.0.0.0:<adminPort>):"
            + " /healthz for liveness, /readyz for readiness, /metrics for Prometheus. Not exposed by the Service.")
    private Integer adminPort;

    @Min(0)
    @Default("30")
    @JsonPropertyDescription("Seconds a worker may be silent before it counts as stuck (setting timeout, -t);"
            + " 0 disables the check.")
    private Integer timeout;

    @Min(0)
    @Default("30")
    @JsonPropertyDescription("Seconds a stopping worker gets to finish in-flight requests (setting graceful_timeout);"
            + " the pod's terminationGracePeriodSeconds is preStopDelaySeconds + gracefulTimeout + 5.")
    private Integer gracefulTimeout;

    @Min(0)
    @Default("2")
    @JsonPropertyDescription("Seconds an idle keep-alive connection waits for the next request (setting keepalive,"
            + " --keep-alive); 0 turns keep-alive off.")
    private Integer keepAlive;

    @Min(0)
    @Default("4094")
    @JsonPropertyDescription("Longest request line in bytes (setting limit_request_line); 0 means no limit,"
            + " values of 8190 or more count as 8190.")
    private Integer limitRequestLine;

    @Min(0)
    @Default("100")
    @JsonPropertyDescription("Most header fields in one request (setting limit_request_fields);"
            + " 0 or anything above 32768 means 32768.")
    private Integer limitRequestFields;

    @Min(0)
    @Default("8190")
    @JsonPropertyDescription("Longest header line in bytes (setting limit_request_field_size); 0 means 8190.")
    private Integer limitRequestFieldSize;

    @Min(0)
    @Default("0")
    @JsonPropertyDescription("A worker exits after this many requests and Kubernetes restarts its container"
            + " (setting max_requests); 0 turns it off.")
    private Integer maxRequests;

    @Min(0)
    @Default("0")
    @JsonPropertyDescription("Adds a random 0..N to maxRequests per worker so they do not restart together"
            + " (setting max_requests_jitter).")
    private Integer maxRequestsJitter;

    @Default("true")
    @JsonPropertyDescription("Write one access log line per request to the container's stdout"
            + " (setting accesslog = '-'); false writes none.")
    private Boolean accessLog;

    @JsonPropertyDescription("Template of an access log line with Gunicorn's atoms, e.g. %(h)s %(r)s %(s)s"
            + " (setting access_log_format); empty keeps Gunicorn's default format.")
    private String accessLogFormat;

    @Default("info")
    @JsonPropertyDescription("Error log verbosity (setting loglevel): debug, info, warning, error or critical.")
    private LogLevel logLevel;

    @JsonPropertyDescription("Any other jgunicorn setting by its Gunicorn name, e.g. {classpath: /app/app.jar,"
            + " forwarded_allow_ips: '*', header_timeout: 5}; values as in gunicorn.conf.py (numbers, booleans,"
            + " strings, lists). Checked against the settings model: an unknown name, a setting that cannot apply"
            + " on the JVM, one the operator manages, or a value out of range makes the resource Degraded and"
            + " leaves the running pods untouched.")
    private Map<String, AnyType> settings;

    @JsonPropertyDescription("Environment variables of the worker container, e.g. JAVA_OPTS for JVM options.")
    private List<EnvVar> env;

    @JsonPropertyDescription("Secrets and ConfigMaps whose keys become environment variables of the worker container"
            + " (as in a Deployment's container).")
    private List<EnvFromSource> envFrom;

    @JsonPropertyDescription("Volumes added to the worker pods, e.g. a Secret holding the certificate that"
            + " settings.certfile names. The operator's volumes (config, tmp) keep their names: a volume named like"
            + " one of them makes the resource Degraded.")
    private List<Volume> volumes;

    @JsonPropertyDescription("Where the worker container mounts volumes of spec.volumes, e.g. {name: tls,"
            + " mountPath: /etc/tls, readOnly: true}. /tmp and /etc/jgunicorn stay the operator's.")
    private List<VolumeMount> volumeMounts;

    @JsonPropertyDescription("The PriorityClass of the worker pods; empty means the cluster's default priority.")
    private String priorityClassName;

    @JsonPropertyDescription("The worker pods' security context: fsGroup, supplementalGroups, sysctls, runAsUser..."
            + " runAsNonRoot and the RuntimeDefault seccomp profile stay on (Pod Security restricted); a value that"
            + " turns them off makes the resource Degraded.")
    private PodSecurityContext podSecurityContext;

    @JsonPropertyDescription("Containers that run to completion before the worker starts (a schema migration, a"
            + " cache warm-up); with restartPolicy: Always one is a native sidecar that starts first and keeps"
            + " running. Security settings left unset get the restricted profile's values.")
    private List<Container> initContainers;

    @JsonPropertyDescription("Containers running next to the worker in every pod: a log shipper, a Cloud SQL proxy."
            + " The worker container (jgunicorn) is the operator's: a container of that name, or one declaring"
            + " spec.port or spec.adminPort, makes the resource Degraded. Security settings left unset get the"
            + " restricted profile's values.")
    private List<Container> extraContainers;

    @JsonPropertyDescription("CPU and memory requests and limits of each worker container.")
    private ResourceRequirements resources;

    @JsonPropertyDescription("The Service in front of the workers.")
    private ServiceSpec service;

    @JsonPropertyDescription("Prometheus scraping of the workers' admin port.")
    private MetricsSpec metrics;

    @JsonPropertyDescription("An optional PodDisruptionBudget for the worker pods.")
    private DisruptionBudgetSpec podDisruptionBudget;

    @Min(0)
    @Max(300)
    @Default("5")
    @JsonPropertyDescription("Seconds a stopping pod waits (preStop sleep) before the worker gets TERM, so"
            + " Service endpoints drop it before it drains.")
    private Integer preStopDelaySeconds;

    @JsonPropertyDescription("Any new value rolls every pod, one at a time with no capacity lost: Gunicorn's HUP."
            + " The annotation jgunicorn.dev/restartedAt on the resource does the same.")
    private String restartNonce;

    @JsonPropertyDescription("The service account the worker pods run as; empty means the namespace's default.")
    private String serviceAccountName;

    @JsonPropertyDescription("Extra labels on the worker pods (the operator's selector labels win).")
    private Map<String, String> podLabels;

    @JsonPropertyDescription("Extra annotations on the worker pods.")
    private Map<String, String> podAnnotations;

    @JsonPropertyDescription("Node labels a worker pod's node must have.")
    private Map<String, String> nodeSelector;

    @JsonPropertyDescription("Taints the worker pods tolerate.")
    private List<Toleration> tolerations;

    @JsonPropertyDescription("Node and pod affinity rules of the worker pods.")
    private Affinity affinity;

    @JsonPropertyDescription("How worker pods spread across zones or nodes; the operator fills in the label"
            + " selector when it is left empty.")
    private List<TopologySpreadConstraint> topologySpreadConstraints;

    public AppServer getServer() { return server; }
    public void setServer(AppServer server) { this.server = server; }
    public String getConfigFile() { return configFile; }
    public void setConfigFile(String configFile) { this.configFile = configFile; }
    public String getApp() { return app; }
    public void setApp(String app) { this.app = app; }
    public String getImage() { return image; }
    public void setImage(String image) { this.image = image; }
    public String getImagePullPolicy() { return imagePullPolicy; }
    public void setImagePullPolicy(String imagePullPolicy) { this.imagePullPolicy = imagePullPolicy; }
    public List<LocalObjectReference> getImagePullSecrets() { return imagePullSecrets; }
    public void setImagePullSecrets(List<LocalObjectReference> imagePullSecrets) { this.imagePullSecrets = imagePullSecrets; }
    public Integer getWorkers() { return workers; }
    public void setWorkers(Integer workers) { this.workers = workers; }
    public Integer getThreads() { return threads; }
    public void setThreads(Integer threads) { this.threads = threads; }
    public String getWorkerClass() { return workerClass; }
    public void setWorkerClass(String workerClass) { this.workerClass = workerClass; }
    public Integer getWorkerConnections() { return workerConnections; }
    public void setWorkerConnections(Integer workerConnections) { this.workerConnections = workerConnections; }
    public Integer getPort() { return port; }
    public void setPort(Integer port) { this.port = port; }
    public Integer getAdminPort() { return adminPort; }
    public void setAdminPort(Integer adminPort) { this.adminPort = adminPort; }
    public Integer getTimeout() { return timeout; }
    public void setTimeout(Integer timeout) { this.timeout = timeout; }
    public Integer getGracefulTimeout() { return gracefulTimeout; }
    public void setGracefulTimeout(Integer gracefulTimeout) { this.gracefulTimeout = gracefulTimeout; }
    public Integer getKeepAlive() { return keepAlive; }
    public void setKeepAlive(Integer keepAlive) { this.keepAlive = keepAlive; }
    public Integer getLimitRequestLine() { return limitRequestLine; }
    public void setLimitRequestLine(Integer limitRequestLine) { this.limitRequestLine = limitRequestLine; }
    public Integer getLimitRequestFields() { return limitRequestFields; }
    public void setLimitRequestFields(Integer limitRequestFields) { this.limitRequestFields = limitRequestFields; }
    public Integer getLimitRequestFieldSize() { return limitRequestFieldSize; }
    public void setLimitRequestFieldSize(Integer limitRequestFieldSize) { this.limitRequestFieldSize = limitRequestFieldSize; }
    public Integer getMaxRequests() { return maxRequests; }
    public void setMaxRequests(Integer maxRequests) { this.maxRequests = maxRequests; }
    public Integer getMaxRequestsJitter() { return maxRequestsJitter; }
    public void setMaxRequestsJitter(Integer maxRequestsJitter) { this.maxRequestsJitter = maxRequestsJitter; }
    public Boolean getAccessLog() { return accessLog; }
    public void setAccessLog(Boolean accessLog) { this.accessLog = accessLog; }
    public String getAccessLogFormat() { return accessLogFormat; }
    public void setAccessLogFormat(String accessLogFormat) { this.accessLogFormat = accessLogFormat; }
    public LogLevel getLogLevel() { return logLevel; }
    public void setLogLevel(LogLevel logLevel) { this.logLevel = logLevel; }
    public Map<String, AnyType> getSettings() { return settings; }
    public void setSettings(Map<String, AnyType> settings) { this.settings = settings; }
    public List<EnvVar> getEnv() { return env; }
    public void setEnv(List<EnvVar> env) { this.env = env; }
    public List<EnvFromSource> getEnvFrom() { return envFrom; }
    public void setEnvFrom(List<EnvFromSource> envFrom) { this.envFrom = envFrom; }
    public List<Volume> getVolumes() { return volumes; }
    public void setVolumes(List<Volume> volumes) { this.volumes = volumes; }
    public List<VolumeMount> getVolumeMounts() { return volumeMounts; }
    public void setVolumeMounts(List<VolumeMount> volumeMounts) { this.volumeMounts = volumeMounts; }
    public String getPriorityClassName() { return priorityClassName; }
    public void setPriorityClassName(String priorityClassName) { this.priorityClassName = priorityClassName; }
    public PodSecurityContext getPodSecurityContext() { return podSecurityContext; }
    public void setPodSecurityContext(PodSecurityContext podSecurityContext) { this.podSecurityContext = podSecurityContext; }
    public List<Container> getInitContainers() { return initContainers; }
    public void setInitContainers(List<Container> initContainers) { this.initContainers = initContainers; }
    public List<Container> getExtraContainers() { return extraContainers; }
    public void setExtraContainers(List<Container> extraContainers) { this.extraContainers = extraContainers; }
    public ResourceRequirements getResources() { return resources; }
    public void setResources(ResourceRequirements resources) { this.resources = resources; }
    public ServiceSpec getService() { return service; }
    public void setService(ServiceSpec service) { this.service = service; }
    public MetricsSpec getMetrics() { return metrics; }
    public void setMetrics(MetricsSpec metrics) { this.metrics = metrics; }
    public DisruptionBudgetSpec getPodDisruptionBudget() { return podDisruptionBudget; }
    public void setPodDisruptionBudget(DisruptionBudgetSpec podDisruptionBudget) { this.podDisruptionBudget = podDisruptionBudget; }
    public Integer getPreStopDelaySeconds() { return preStopDelaySeconds; }
    public void setPreStopDelaySeconds(Integer preStopDelaySeconds) { this.preStopDelaySeconds = preStopDelaySeconds; }
    public String getRestartNonce() { return restartNonce; }
    public void setRestartNonce(String restartNonce) { this.restartNonce = restartNonce; }
    public String getServiceAccountName() { return serviceAccountName; }
    public void setServiceAccountName(String serviceAccountName) { this.serviceAccountName = serviceAccountName; }
    public Map<String, String> getPodLabels() { return podLabels; }
    public void setPodLabels(Map<String, String> podLabels) { this.podLabels = podLabels; }
    public Map<String, String> getPodAnnotations() { return podAnnotations; }
    public void setPodAnnotations(Map<String, String> podAnnotations) { this.podAnnotations = podAnnotations; }
    public Map<String, String> getNodeSelector() { return nodeSelector; }
    public void setNodeSelector(Map<String, String> nodeSelector) { this.nodeSelector = nodeSelector; }
    public List<Toleration> getTolerations() { return tolerations; }
    public void setTolerations(List<Toleration> tolerations) { this.tolerations = tolerations; }
    public Affinity getAffinity() { return affinity; }
    public void setAffinity(Affinity affinity) { this.affinity = affinity; }
    public List<TopologySpreadConstraint> getTopologySpreadConstraints() { return topologySpreadConstraints; }
    public void setTopologySpreadConstraints(List<TopologySpreadConstraint> topologySpreadConstraints) {
        this.topologySpreadConstraints = topologySpreadConstraints;
    }
}
