package dev.jgunicorn.operator.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServerSpec;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServerStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.Console;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * {@code kubectl gunicorn}: Gunicorn's signals for a GunicornServer, through the Kubernetes API.
 * TTIN/TTOU add or remove one worker (spec.workers, which the scale subresource also moves), HUP rolls every
 * pod (the jgunicorn.dev/restartedAt annotation), WINCH stops all workers (workers 0), TERM/QUIT/INT delete the
 * server (pods drain within their grace period) once confirmed on the terminal or with --yes. Every change is a
 * patch of the fields it concerns, never a write of the whole object. Installed as a kubectl plugin by putting
 * bin/kubectl-gunicorn on the PATH.
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
    Confirm confirm = KubectlGunicorn::askOnTerminal;

    /** A yes/no question to the person at the terminal; false when there is none to ask. */
    @FunctionalInterface
    interface Confirm {
        boolean ask(String question);
    }

    private static final ResourceDefinitionContext GUNICORN_SERVERS = ResourceDefinitionContext.fromResourceType(GunicornServer.class);
    /** Reads objects into the plugin's model, skipping the fields a newer operator added. */
    private static final ObjectMapper KNOWN_FIELDS = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final String WORKERS = "/spec/workers";
    private static final int SCALE_ATTEMPTS = 5;

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
            "  TERM   delete the server; workers drain gracefully (QUIT and INT do the same);",
            "         asks first on a terminal, --yes skips the question (and is needed without a terminal)"})
    static final class Signal implements Callable<Integer> {
        @CommandLine.ParentCommand
        KubectlGunicorn root;

        @Parameters(index = "0", paramLabel = "NAME", description = "The GunicornServer.")
        String name;

        @Parameters(index = "1", paramLabel = "SIGNAL", description = "One of: ${COMPLETION-CANDIDATES}.")
        Sig signal;

        @Option(names = {"-y", "--yes"}, description = "TERM, QUIT, INT: delete without asking.")
        boolean yes;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (KubernetesClient client = root.clients.get()) {
                String ns = root.namespace(client);
                // Read as generic JSON: the signals need nothing of the model, and send nothing of it back.
                Resource<GenericKubernetesResource> one = client.genericKubernetesResources(GUNICORN_SERVERS).inNamespace(ns).withName(name);
                if (one.get() == null) return notFound(ns);
                switch (signal) {
                    case TTIN, TTOU, WINCH -> {
                        return scale(one, ns, out);
                    }
                    case HUP -> {
                        String at = root.clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
                        one.patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(
                                Map.of("metadata", Map.of("annotations", Map.of(GunicornServer.RESTARTED_AT_ANNOTATION, at)))));
                        out.println("gunicornserver/" + name + " HUP: rolling restart requested (" + GunicornServer.RESTARTED_AT_ANNOTATION + "=" + at + ")");
                    }
                    case TERM, QUIT, INT -> {
                        if (!yes && !root.confirm.ask("Delete gunicornserver/" + name + " in namespace " + ns
                                + "? Its workers drain and the server is gone.")) {
                            spec.commandLine().getErr().println("kubectl gunicorn: " + signal + " not sent: deleting "
                                    + name + " needs a yes on a terminal, or --yes");
                            return 1;
                        }
                        one.delete();
                        out.println("gunicornserver/" + name + " " + signal + ": deleted; its workers drain within their grace period");
                    }
                }
                return 0;
            }
        }

        /**
         * TTIN, TTOU, WINCH: spec.workers moves through a JSON patch that first tests the value it was computed from.
         * Nothing else of the object is sent, so fields this plugin's model does not know stay as they are, and a
         * change made in between (an HPA, kubectl scale, another TTIN) is never overwritten: the test fails, the
         * value is read again and the step applied to it.
         */
        private int scale(Resource<GenericKubernetesResource> one, String ns, PrintWriter out) {
            for (int attempt = 1; ; attempt++) {
                GenericKubernetesResource s = one.get();
                if (s == null) return notFound(ns);
                Number observed = s.get("spec", "workers");
                int was = observed == null ? GunicornServerSpec.DEFAULT_WORKERS : observed.intValue();
                int next = switch (signal) {
                    case TTIN -> was + 1;
                    case TTOU -> was - 1;
                    default -> 0;
                };
                if (next < 0) {
                    spec.commandLine().getErr().println("kubectl gunicorn: " + name + " has no worker to remove (workers is 0)");
                    return 1;
                }
                // The API server defaults workers, so it is absent only on a server that skips defaulting: nothing to test.
                List<Map<String, Object>> ops = observed == null
                        ? List.of(Map.of("op", "add", "path", WORKERS, "value", next))
                        : List.of(Map.of("op", "test", "path", WORKERS, "value", observed),
                                  Map.of("op", "replace", "path", WORKERS, "value", next));
                try {
                    one.patch(PatchContext.of(PatchType.JSON), Serialization.asJson(ops));
                    out.println("gunicornserver/" + name + " " + signal + ": workers " + was + " -> " + next);
                    return 0;
                } catch (KubernetesClientException e) {
                    // 422 is both "the test failed" and "the new value is invalid": only a moved value is worth another go.
                    if (e.getCode() != 422 || attempt == SCALE_ATTEMPTS) throw e;
                    GenericKubernetesResource now = one.get();
                    if (now != null && Objects.equals(now.get("spec", "workers"), observed)) throw e;
                }
            }
        }

        private int notFound(String ns) {
            spec.commandLine().getErr().println("kubectl gunicorn: GunicornServer " + name + " not found in namespace " + ns);
            return 1;
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
                GenericKubernetesResource read = client.genericKubernetesResources(GUNICORN_SERVERS).inNamespace(ns).withName(name).get();
                GunicornServer s = read == null ? null : KNOWN_FIELDS.convertValue(read, GunicornServer.class);
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

    private static boolean askOnTerminal(String question) {
        Console console = System.console();
        if (console == null || !isTerminal(console)) return false;
        String answer = console.readLine("%s [y/N] ", question);
        return answer != null && List.of("y", "yes").contains(answer.strip().toLowerCase(Locale.ROOT));
    }

    /** Console.isTerminal (JDK 22+), where System.console() also answers when input and output are redirected. */
    private static boolean isTerminal(Console console) {
        try {
            return (boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException e) {
            return true; // JDK 21: a Console exists only on a terminal
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
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
