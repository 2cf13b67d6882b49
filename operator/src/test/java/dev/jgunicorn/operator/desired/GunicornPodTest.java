package dev.jgunicorn.operator.desired;

import dev.jgunicorn.operator.OperatorConfig;
import dev.jgunicorn.operator.Servers;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A GunicornServer with server gunicorn: the app under the image's Gunicorn, the jgunicorn sidecar beside it. */
class GunicornPodTest {
    private static final OperatorConfig OPERATOR = OperatorConfig.defaults();

    private static PodSpec pod(GunicornServer s) throws InvalidSpecException {
        return DesiredState.compute(s, OPERATOR).deployment().getSpec().getTemplate().getSpec();
    }

    private static List<String> problems(GunicornServer s) {
        return assertThrows(InvalidSpecException.class, () -> DesiredState.compute(s, OPERATOR)).problems();
    }

    @Test
    void theAppRunsUnderTheImagesGunicornWithTheRenderedConfigAndOneWorkerPerPod() throws Exception {
        GunicornServer s = Servers.python("shop");
        s.getSpec().setWorkers(3);
        DesiredState d = DesiredState.compute(s, OPERATOR);
        assertEquals(3, d.deployment().getSpec().getReplicas(), "workers are replicas, as for Java apps");
        Container app = d.deployment().getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("app", app.getName());
        assertEquals("registry.example/shop/flask-app:1", app.getImage());
        assertEquals(List.of("gunicorn"), app.getCommand());
        assertEquals(List.of("-c", "/etc/jgunicorn/gunicorn.conf.py", "app:app"), app.getArgs());
        assertEquals(List.of(8000), app.getPorts().stream().map(p -> p.getContainerPort()).toList(), "the admin port is the sidecar's");
        assertTrue(d.config().text().contains("\nworkers = 1\n"), d.config().text());
    }

    @Test
    void theSidecarIsANativeSidecarOnTheAdminPortAndTheAppsProbesAskIt() throws Exception {
        GunicornServer s = Servers.python("shop");
        s.getSpec().setAdminPort(9102);
        s.getSpec().setPort(8080);
        s.getSpec().setGracefulTimeout(45);
        PodSpec pod = pod(s);
        assertTrue(pod.getShareProcessNamespace(), "the sidecar counts Gunicorn's workers in the process table");
        assertEquals(1, pod.getInitContainers().size());
        Container sidecar = pod.getInitContainers().get(0);
        assertEquals("jgunicorn-sidecar", sidecar.getName());
        assertEquals("Always", sidecar.getRestartPolicy(), "a native sidecar: started before the app, stopped after it");
        assertEquals(OPERATOR.defaultImage(), sidecar.getImage());
        assertEquals(List.of(DesiredState.LAUNCHER), sidecar.getCommand());
        assertEquals(List.of("sidecar", "--pidfile", "/tmp/gunicorn.pid", "--bind", "127.0.0.1:8080",
                "--admin-bind", "0.0.0.0:9102", "--statsd-bind", "127.0.0.1:9125", "--graceful-timeout", "45"), sidecar.getArgs());
        assertEquals("admin", sidecar.getPorts().get(0).getName());
        assertEquals(9102, sidecar.getPorts().get(0).getContainerPort());
        assertEquals("/metrics", sidecar.getStartupProbe().getHttpGet().getPath(), "Gunicorn starts once statsd has a listener");

        Container app = pod.getContainers().get(0);
        assertEquals("/healthz", app.getLivenessProbe().getHttpGet().getPath());
        assertEquals(new IntOrString(9102), app.getLivenessProbe().getHttpGet().getPort());
        assertEquals("/readyz", app.getReadinessProbe().getHttpGet().getPath());
        assertEquals(new IntOrString(9102), app.getReadinessProbe().getHttpGet().getPort());
        assertEquals(5L + 45 + DesiredState.TERMINATION_MARGIN_SECONDS, pod.getTerminationGracePeriodSeconds());
        assertEquals(5L, app.getLifecycle().getPreStop().getSleep().getSeconds());

        // Both under Pod Security "restricted", sharing /tmp (the pidfile) and nothing else writable.
        for (Container c : List.of(app, sidecar)) {
            SecurityContext sc = c.getSecurityContext();
            assertFalse(sc.getAllowPrivilegeEscalation(), c.getName());
            assertTrue(sc.getRunAsNonRoot(), c.getName());
            assertTrue(sc.getReadOnlyRootFilesystem(), c.getName());
            assertEquals(List.of("ALL"), sc.getCapabilities().getDrop(), c.getName());
            assertEquals("RuntimeDefault", sc.getSeccompProfile().getType(), c.getName());
            assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getName().equals("tmp") && m.getMountPath().equals("/tmp")), c.getName());
        }
        assertEquals("9102", DesiredState.compute(s, OPERATOR).deployment().getSpec().getTemplate().getMetadata()
                .getAnnotations().get("prometheus.io/port"), "Prometheus scrapes the sidecar");
    }

    @Test
    void aJavaAppKeepsItsSingleContainerPod() throws Exception {
        PodSpec pod = pod(Servers.demo("hello"));
        assertEquals(List.of(), pod.getInitContainers(), "no init container (an empty list: JOSDK's SSA matcher fails on null)");
        assertNull(pod.getShareProcessNamespace());
        assertEquals(List.of("--workers", "1", "-c", ConfigFile.PATH, "dev.jgunicorn.demo.Hello"), pod.getContainers().get(0).getArgs());
    }

    @Test
    void theRenderedFileIsForGunicornItsPidfileAndStatsdGoToTheSidecarAndNoJgunicornSettings() throws Exception {
        GunicornServer s = Servers.python("shop");
        s.getSpec().setWorkerClass("gthread");
        s.getSpec().setThreads(4);
        s.getSpec().setTimeout(60);
        s.getSpec().setSettings(Servers.settings("preload_app", true, "forwarded_allow_ips", "*", "statsd_prefix", "shop"));
        String text = DesiredState.compute(s, OPERATOR).config().text();
        assertTrue(text.contains("\nbind = ['0.0.0.0:8000']\n"), text);
        assertTrue(text.contains("\npidfile = '/tmp/gunicorn.pid'\n"), text);
        assertTrue(text.contains("\nstatsd_host = '127.0.0.1:9125'\n"), text);
        assertTrue(text.contains("\nstatsd_prefix = 'shop'\n"), text);
        assertTrue(text.contains("\nworker_class = 'gthread'\n"), text);
        assertTrue(text.contains("\nthreads = 4\n"), text);
        assertTrue(text.contains("\ntimeout = 60\n"), text);
        assertTrue(text.contains("\npreload_app = True\n"), "refused on the JVM, Gunicorn's own in Python: " + text);
        assertFalse(text.contains("admin_bind"), "Gunicorn does not know admin_bind: " + text);
        List<String> args = pod(s).getInitContainers().get(0).getArgs();
        assertEquals(List.of("--statsd-prefix", "shop"), args.subList(args.size() - 2, args.size()), "the sidecar reads the same prefix");
    }

    @Test
    void gunicornsOwnWorkerClassesByNameOrPythonPath() throws Exception {
        for (String k : List.of("eventlet", "gevent", "tornado", "uvicorn_worker.UvicornWorker")) {
            GunicornServer s = Servers.python("shop");
            s.getSpec().setWorkerClass(k);
            assertTrue(DesiredState.compute(s, OPERATOR).config().text().contains("\nworker_class = '" + k + "'\n"), k);
        }
    }

    @Test
    void theUsersOwnConfigFileIsLoadedFirst() throws Exception {
        GunicornServer s = Servers.python("shop");
        s.getSpec().setConfigFile("/app/gunicorn.conf.py");
        String text = DesiredState.compute(s, OPERATOR).config().text();
        int user = text.indexOf("open('/app/gunicorn.conf.py')");
        assertTrue(user > 0, text);
        assertTrue(user < text.indexOf("\nbind = "), "the resource's values come after, and win: " + text);
    }

    @Test
    void whatCannotWorkUnderGunicornIsRefusedNamingTheFieldAndWhy() {
        GunicornServer s = Servers.python("shop");
        s.getSpec().setWorkerClass("virtual");
        s.getSpec().setSettings(Servers.settings("classpath", "/app/app.jar", "pidfile", "/run/g.pid",
                "statsd_host", "statsd:8125", "header_timeout", 5));
        assertEquals(List.of(
                "spec.workerClass: virtual cannot be used with server gunicorn: a virtual thread per request is jgunicorn's; with Gunicorn use gthread, gevent or eventlet",
                "spec.settings.classpath: a jgunicorn setting that Gunicorn does not know: the app is not on a JVM; Python finds it through the image (pythonpath, chdir)",
                "spec.settings.header_timeout: a jgunicorn setting that Gunicorn does not know: Gunicorn has no request-head deadline",
                "spec.settings.pidfile: not allowed here: the jgunicorn sidecar reads Gunicorn's pidfile at /tmp/gunicorn.pid for /healthz",
                "spec.settings.statsd_host: not allowed here: Gunicorn sends statsd to the jgunicorn sidecar at 127.0.0.1:9125, which serves it as Prometheus metrics on spec.adminPort"),
                problems(s));

        GunicornServer noImage = Servers.python("shop");
        noImage.getSpec().setImage(null);
        noImage.getSpec().setApp("app.App:handler.x");
        assertEquals(List.of(
                "spec.app: app.App:handler.x is not a WSGI app for Gunicorn (allowed: module:callable or module:factory(), e.g. app:app)",
                "spec.image: required with server gunicorn (an image with Python, Gunicorn on PATH and the app)"), problems(noImage));

        GunicornServer java = Servers.demo("hello");
        java.getSpec().setWorkerClass("eventlet");
        java.getSpec().setConfigFile("/app/gunicorn.conf.py");
        java.getSpec().setApp("app:create_app()");
        List<String> javaProblems = problems(java);
        assertTrue(javaProblems.contains("spec.configFile: only with server gunicorn (a jgunicorn app's settings go in spec.settings)"), javaProblems.toString());
        assertTrue(javaProblems.stream().anyMatch(p -> p.startsWith("spec.workerClass: ") && p.contains("virtual")), javaProblems.toString());
        assertTrue(javaProblems.contains("spec.app: app:create_app() is a Python factory call; a Java app is a class or Class:member (or set spec.server: gunicorn)"), javaProblems.toString());
    }
}
