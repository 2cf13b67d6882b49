package dev.jgunicorn.operator.cli;

import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServerSpec;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServerStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * {@code kubectl gunicorn}: Gunicorn's signals for a GunicornServer, through the Kubernetes API.
 * TTIN/TTOU add or remove one worker (spec.workers, which the scale subresource also moves), HUP rolls every
 * pod (the jgunicorn.dev/restartedAt annotation), WINCH stops all workers (workers 0), TERM/QUIT/INT delete the
 * server (pods drain within their grace period). Installed as a kubectl plugin by putting bin/kubectl-gunicorn
 * on the PATH.
 */
@Command(name = "kubectl gunicorn", mixinStandardHelpOptions = true, versionProvider = KubectlGunicorn.Version.class,
        description = "Gunicorn's signals and status for GunicornServer resources (jgunicorn.dev).",
        subcommands = {KubectlGunicorn.Signal.class, KubectlGunicorn.Status.class})
public final class KubectlGunicorn implements Callable<Integer> {
    @Option(names = {"-n", "--namespace"}, scope = CommandLine.ScopeType.INHERIT,
            description = "The namespace (default: the kubeconfig context's).")
    String namespace;

    @Option(names = "--context", scope = CommandLine.ScopeType.INHERIT, description = "The kubeconfig context to use.")
    String context;

    Supplier<KubernetesClient> clients = this::connect;
    Clock clock = Clock.systemUTC();

    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) System.setProperty("logback.configurationFile", "logback-cli.xml");
        System.exit(run(new KubectlGunicorn(), args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line; returns the exit code (0 done, 1 failed, 2 bad usage). */
    public static int run(KubectlGunicorn root, String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(root);
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println("kubectl gunicorn: " + describe(e));
            return 1;
        });
        return cl.execute(args);
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return 2;
    }

    private KubernetesClient connect() {
        Config config = context == null ? Config.autoConfigure(null) : Config.autoConfigure(context);
        return dev.jgunicorn.operator.Clients.build(config);
    }

    String namespace(KubernetesClient client) {
        return namespace != null ? namespace : client.getNamespace() != null ? client.getNamespace() : "default";
    }

    /** The Gunicorn signals and what each becomes in the cluster. */
    public enum Sig { TTIN, TTOU, HUP, WINCH, TERM, QUIT, INT }

    @Command(name = "signal", description = {
            "Send a Gunicorn signal to a GunicornServer:",
            "  TTIN   one more worker (pod)",
            "  TTOU   one worker less",
            "  HUP    rolling restart of every worker, no capacity lost",
            "  WINCH  stop every worker (workers 0); objects are kept",
            "  TERM   delete the server; workers drain gracefully (QUIT and INT do the same)"})
    static final class Signal implements Callable<Integer> {
        @CommandLine.ParentCommand
        KubectlGunicorn root;

        @Parameters(index = "0", paramLabel = "NAME", description = "The GunicornServer.")
        String name;

        @Parameters(index = "1", paramLabel = "SIGNAL", description = "One of: ${COMPLETION-CANDIDATES}.")
        Sig signal;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (KubernetesClient client = root.clients.get()) {
                var servers = client.resources(GunicornServer.class).inNamespace(root.namespace(client));
                var one = servers.withName(name);
                GunicornServer current = one.get();
                if (current == null) {
                    spec.commandLine().getErr().println("kubectl gunicorn: GunicornServer " + name + " not found in namespace "
                            + root.namespace(client));
                    return 1;
                }
                switch (signal) {
                    case TTIN, TTOU, WINCH -> {
                        int[] change = new int[2];
                        for (int attempt = 0; ; attempt++) {
                            GunicornServer s = one.get();
                            int was = s.getSpec().getWorkers() == null ? GunicornServerSpec.DEFAULT_WORKERS : s.getSpec().getWorkers();
                            int next = switch (signal) {
                                case TTIN -> was + 1;
                                case TTOU -> was - 1;
                                default -> 0;
                            };
                            if (next < 0) {
                                spec.commandLine().getErr().println("kubectl gunicorn: " + name + " has no worker to remove (workers is 0)");
                                return 1;
                            }
                            s.getSpec().setWorkers(next);
                            try {
                                servers.resource(s).update(); // resourceVersion guards against a concurrent change
                                change[0] = was;
                                change[1] = next;
                                break;
                            } catch (KubernetesClientException e) {
                                if (e.getCode() != 409 || attempt >= 5) throw e;
                            }
                        }
                        out.println("gunicornserver/" + name + " " + signal + ": workers " + change[0] + " -> " + change[1]);
                    }
                    case HUP -> {
                        String at = root.clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
                        one.edit(s -> {
                            Map<String, String> a = s.getMetadata().getAnnotations() == null ? new LinkedHashMap<>()
                                    : new LinkedHashMap<>(s.getMetadata().getAnnotations());
                            a.put(GunicornServer.RESTARTED_AT_ANNOTATION, at);
                            s.getMetadata().setAnnotations(a);
                            return s;
                        });
                        out.println("gunicornserver/" + name + " HUP: rolling restart requested (" + GunicornServer.RESTARTED_AT_ANNOTATION + "=" + at + ")");
                    }
                    case TERM, QUIT, INT -> {
                        one.delete();
                        out.println("gunicornserver/" + name + " " + signal + ": deleted; its workers drain within their grace period");
                    }
                }
                return 0;
            }
        }
    }

    @Command(name = "status", description = "Print a GunicornServer's workers, conditions and pods.")
    static final class Status implements Callable<Integer> {
        @CommandLine.ParentCommand
        KubectlGunicorn root;

        @Parameters(index = "0", paramLabel = "NAME", description = "The GunicornServer.")
        String name;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (KubernetesClient client = root.clients.get()) {
                String ns = root.namespace(client);
                GunicornServer s = client.resources(GunicornServer.class).inNamespace(ns).withName(name).get();
                if (s == null) {
                    spec.commandLine().getErr().println("kubectl gunicorn: GunicornServer " + name + " not found in namespace " + ns);
                    return 1;
                }
                GunicornServerStatus st = s.getStatus() == null ? new GunicornServerStatus() : s.getStatus();
                List<List<String>> head = new ArrayList<>();
                head.add(List.of("NAME", "APP", "WORKERS", "RUNNING", "READY", "UPDATED", "IMAGE"));
                head.add(List.of(name, s.getSpec().getApp(), str(s.getSpec().getWorkers(), String.valueOf(GunicornServerSpec.DEFAULT_WORKERS)), str(st.getWorkers(), "0"),
                        str(st.getReadyWorkers(), "0"), str(st.getUpdatedWorkers(), "0"), str(st.getImage(), "-")));
                table(out, head);
                out.println();
                List<List<String>> conditions = new ArrayList<>();
                conditions.add(List.of("CONDITION", "STATUS", "REASON", "SINCE", "MESSAGE"));
                for (Condition c : st.getConditions() == null ? List.<Condition>of() : st.getConditions()) {
                    conditions.add(List.of(c.getType(), c.getStatus(), str(c.getReason(), ""), str(c.getLastTransitionTime(), ""),
                            str(c.getMessage(), "")));
                }
                if (conditions.size() == 1) out.println("(no status yet: is the operator running?)");
                else table(out, conditions);
                if (st.getLastRestartTime() != null) {
                    out.println();
                    out.println("Last restart: " + st.getLastRestartTime() + " (" + str(st.getLastRestartReason(), "") + ")");
                }
                if (st.getSelector() != null) {
                    List<List<String>> pods = new ArrayList<>();
                    pods.add(List.of("POD", "READY", "PHASE", "RESTARTS", "NODE", "AGE"));
                    for (Pod p : client.pods().inNamespace(ns).withLabelSelector(st.getSelector()).list().getItems()) {
                        boolean ready = p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions()
                                .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
                        int restarts = p.getStatus() == null || p.getStatus().getContainerStatuses() == null ? 0
                                : p.getStatus().getContainerStatuses().stream().mapToInt(c -> c.getRestartCount() == null ? 0 : c.getRestartCount()).sum();
                        pods.add(List.of(p.getMetadata().getName(), ready ? "true" : "false",
                                p.getStatus() == null ? "" : str(p.getStatus().getPhase(), ""), String.valueOf(restarts),
                                str(p.getSpec().getNodeName(), ""), age(p.getMetadata().getCreationTimestamp(), root.clock)));
                    }
                    out.println();
                    table(out, pods);
                }
                return 0;
            }
        }
    }

    /** The API server's message, or the innermost cause (connection refused, no kubeconfig, ...). */
    static String describe(Throwable e) {
        if (e instanceof KubernetesClientException k && k.getStatus() != null && k.getStatus().getMessage() != null) {
            return k.getStatus().getMessage();
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + root;
    }

    private static String age(String created, Clock clock) {
        if (created == null) return "";
        long s = Math.max(0, clock.instant().getEpochSecond() - Instant.parse(created).getEpochSecond());
        return s < 120 ? s + "s" : s < 7200 ? s / 60 + "m" : s < 172800 ? s / 3600 + "h" : s / 86400 + "d";
    }

    private static String str(Object v, String otherwise) {
        return v == null ? otherwise : v.toString();
    }

    private static void table(PrintWriter out, List<List<String>> rows) {
        int[] width = new int[rows.get(0).size()];
        for (List<String> r : rows) for (int i = 0; i < r.size(); i++) width[i] = Math.max(width[i], r.get(i).length());
        for (List<String> r : rows) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < r.size(); i++) {
                b.append(i == r.size() - 1 ? r.get(i) : String.format(Locale.ROOT, "%-" + (width[i] + 3) + "s", r.get(i)));
            }
            out.println(b.toString().stripTrailing());
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"kubectl-gunicorn " + dev.jgunicorn.settings.Version.get()};
        }
    }
}
