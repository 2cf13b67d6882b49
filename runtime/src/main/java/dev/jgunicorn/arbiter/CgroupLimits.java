package dev.jgunicorn.arbiter;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * The CPU and memory limits that the Linux cgroup of the current process imposes, and the
 * {@code --workers auto} sizing derived from them (Gunicorn issue #2877: a fixed worker count, or
 * one derived from the host's CPU count, does not follow container limits).
 *
 * <p>{@link #read(Path)} looks at a filesystem root laid out like a Linux host ({@code Path.of("/")}
 * in production):
 * <ul>
 *   <li><b>cgroup v2</b>: the {@code 0::/path} line of {@code /proc/self/cgroup} names the cgroup;
 *       its {@code cpu.max} ({@code "max 100000"} or {@code "<quota> <period>"}) and
 *       {@code memory.max} ({@code "max"} or bytes) are read under the cgroup2 mount
 *       ({@code /sys/fs/cgroup}), in the cgroup's directory and in every parent up to the root of
 *       the hierarchy. A parent's limit also applies to its children, so the smallest limit wins.</li>
 *   <li><b>cgroup v1</b> (used for a resource when no v2 file for it exists, e.g. on hybrid
 *       hosts): {@code cpu.cfs_quota_us} / {@code cpu.cfs_period_us} of the {@code cpu} controller
 *       ({@code -1} = no quota) and {@code memory.limit_in_bytes} of the {@code memory} controller
 *       (a huge value such as {@code 9223372036854771712} = no limit), again walking up the
 *       parents.</li>
 * </ul>
 * Mount points are taken from {@code /proc/self/mountinfo} when it is there (so a container's
 * bind-mounted cgroup directory maps correctly), else the conventional {@code /sys/fs/cgroup}
 * layout is assumed. Missing files mean "no limit"; content that cannot be parsed also means "no
 * limit". Reading never throws.
 */
public final class CgroupLimits {
    /** v1 reports "no memory limit" as a page-rounded Long.MAX_VALUE; anything this big is no limit. */
    private static final long UNLIMITED_THRESHOLD = 1L << 62;
    /** The kernel's default CFS period, used when cpu.max gives only a quota. */
    private static final long DEFAULT_PERIOD_US = 100_000;
    /** Upper bound on what is read from one file; cgroup and proc files are far smaller. */
    private static final int MAX_FILE_BYTES = 1 << 20;

    private static final CgroupLimits NONE = new CgroupLimits(Double.NaN, -1);

    /** CPUs (quota / period), or NaN when there is no CPU limit. */
    private final double cpus;
    /** Bytes, or -1 when there is no memory limit. */
    private final long memoryBytes;

    private CgroupLimits(double cpus, long memoryBytes) {
        this.cpus = cpus;
        this.memoryBytes = memoryBytes;
    }

    /** No CPU and no memory limit. */
    public static CgroupLimits none() {
        return NONE;
    }

    /**
     * Limits given directly (for tests and for callers that know better). A CPU limit that is not a
     * positive finite number, or a memory limit that is not positive, counts as no limit.
     */
    public static CgroupLimits of(OptionalDouble cpus, OptionalLong memoryBytes) {
        double c = cpus.isPresent() && validCpus(cpus.getAsDouble()) ? cpus.getAsDouble() : Double.NaN;
        long m = memoryBytes.isPresent() && validMemory(memoryBytes.getAsLong()) ? memoryBytes.getAsLong() : -1;
        return Double.isNaN(c) && m < 0 ? NONE : new CgroupLimits(c, m);
    }

    /** The limits of the current process on this machine: {@code read(Path.of("/"))}. */
    public static CgroupLimits read() {
        return read(Path.of("/"));
    }

    /**
     * Reads the cgroup limits of the current process below {@code root}, which is laid out like
     * {@code /} ({@code root/proc/self/cgroup}, {@code root/sys/fs/cgroup/...}). Never throws:
     * anything missing, unreadable or unparsable counts as "no limit".
     */
    public static CgroupLimits read(Path root) {
        try {
            return readOrThrow(root);
        } catch (IOException | RuntimeException e) {
            return NONE;
        }
    }

    /** The CPU limit in CPUs (quota / period, e.g. 1.5), if the cgroup sets one. */
    public OptionalDouble cpus() {
        return Double.isNaN(cpus) ? OptionalDouble.empty() : OptionalDouble.of(cpus);
    }

    /** The memory limit in bytes, if the cgroup sets one. */
    public OptionalLong memoryBytes() {
        return memoryBytes < 0 ? OptionalLong.empty() : OptionalLong.of(memoryBytes);
    }

    /**
     * The worker count for {@code --workers auto}.
     *
     * <p>The rule, Gunicorn's rule of thumb made container-aware:
     * <pre>
     * cores   = ceil(cgroup CPU limit)     when the cgroup sets a CPU quota (1.5 CPUs -&gt; 2)
     *         = availableProcessors        otherwise
     * workers = 2 * cores + 1
     * workers = min(workers, floor(0.8 * memory limit / perWorkerBytes))
     *                                      when the cgroup sets a memory limit
     * workers = max(workers, 1)
     * </pre>
     * That is: two workers per core plus one, but no more workers than fit, at
     * {@code perWorkerBytes} each, into 80% of the memory limit (the rest is headroom for the master
     * and for spikes), and never fewer than one.
     *
     * @param limits              the cgroup limits, e.g. from {@link #read(Path)}
     * @param availableProcessors the CPU count to use when there is no CPU limit, normally
     *                            {@code Runtime.getRuntime().availableProcessors()}; values below 1
     *                            count as 1
     * @param perWorkerBytes      the expected memory footprint of one worker JVM (e.g. its heap plus
     *                            overhead); 0 or less disables the memory cap
     * @return the number of workers, at least 1
     */
    public static int autoWorkers(CgroupLimits limits, int availableProcessors, long perWorkerBytes) {
        Objects.requireNonNull(limits, "limits");
        long cores;
        if (!Double.isNaN(limits.cpus)) {
            double c = Math.ceil(limits.cpus);
            cores = c >= Integer.MAX_VALUE ? Integer.MAX_VALUE : (long) c;
        } else {
            cores = availableProcessors;
        }
        cores = Math.max(1, cores);
        long workers = 2 * cores + 1;
        if (limits.memoryBytes > 0 && perWorkerBytes > 0) {
            long m = limits.memoryBytes;
            long budget = m / 5 * 4 + (m % 5) * 4 / 5; // floor(0.8 * m) without overflow
            workers = Math.min(workers, budget / perWorkerBytes);
        }
        return (int) Math.max(1, Math.min(workers, Integer.MAX_VALUE));
    }

    /**
     * One line for the log, e.g. {@code "cgroup cpu limit 1.5, memory limit 512 MiB"},
     * {@code "cgroup cpu limit 2, memory limit none"} or {@code "no cgroup limits"}.
     */
    public String describe() {
        if (Double.isNaN(cpus) && memoryBytes < 0) return "no cgroup limits";
        String cpu = Double.isNaN(cpus) ? "none" : decimal(cpus);
        String mem = memoryBytes < 0 ? "none" : bytes(memoryBytes);
        return "cgroup cpu limit " + cpu + ", memory limit " + mem;
    }

    @Override
    public String toString() {
        return describe();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CgroupLimits other
                && Double.compare(cpus, other.cpus) == 0
                && memoryBytes == other.memoryBytes;
    }

    @Override
    public int hashCode() {
        return Objects.hash(cpus, memoryBytes);
    }

    // ---------------------------------------------------------------------------------------------
    // Reading

    private static CgroupLimits readOrThrow(Path root) throws IOException {
        String cgroupFile = readSmall(root.resolve("proc/self/cgroup"));
        if (cgroupFile == null) return NONE;

        String v2Path = null;
        String cpuV1Path = null;
        String memoryV1Path = null;
        for (String line : cgroupFile.split("\n")) {
            String[] parts = line.strip().split(":", 3);
            if (parts.length != 3 || !parts[2].startsWith("/")) continue;
            if (parts[0].equals("0") && parts[1].isEmpty()) {
                v2Path = parts[2];
                continue;
            }
            for (String controller : parts[1].split(",")) {
                if (controller.equals("cpu") && cpuV1Path == null) cpuV1Path = parts[2];
                if (controller.equals("memory") && memoryV1Path == null) memoryV1Path = parts[2];
            }
        }

        List<Mount> mounts = readMounts(root);
        Hierarchy v2 = v2Path == null ? null : hierarchy(root, mounts, "cgroup2", null, v2Path);
        Hierarchy cpuV1 = cpuV1Path == null ? null : hierarchy(root, mounts, "cgroup", "cpu", cpuV1Path);
        Hierarchy memV1 = memoryV1Path == null ? null : hierarchy(root, mounts, "cgroup", "memory", memoryV1Path);

        Found<Double> cpu = v2 == null ? Found.none() : v2.minimum(CgroupLimits::v2Cpus);
        if (!cpu.seen && cpuV1 != null) cpu = cpuV1.minimum(CgroupLimits::v1Cpus);
        Found<Long> mem = v2 == null ? Found.none() : v2.minimum(dir -> memory(dir.resolve("memory.max")));
        if (!mem.seen && memV1 != null) mem = memV1.minimum(dir -> memory(dir.resolve("memory.limit_in_bytes")));

        return of(cpu.value == null ? OptionalDouble.empty() : OptionalDouble.of(cpu.value),
                mem.value == null ? OptionalLong.empty() : OptionalLong.of(mem.value));
    }

    /** cpu.max: "max 100000", "200000 100000" or just "200000" (default period). */
    private static Found<Double> v2Cpus(Path dir) {
        String s = readSmall(dir.resolve("cpu.max"));
        if (s == null) return Found.none();
        String[] t = s.strip().split("\\s+");
        if (t.length == 0 || t.length > 2) return Found.unlimited();
        long quota = parseLong(t[0]);
        long period = t.length == 2 ? parseLong(t[1]) : DEFAULT_PERIOD_US;
        return Found.of(ratio(quota, period));
    }

    /** cpu.cfs_quota_us / cpu.cfs_period_us, quota -1 meaning none. */
    private static Found<Double> v1Cpus(Path dir) {
        String q = readSmall(dir.resolve("cpu.cfs_quota_us"));
        if (q == null) return Found.none();
        String p = readSmall(dir.resolve("cpu.cfs_period_us"));
        if (p == null) return Found.unlimited();
        return Found.of(ratio(parseLong(q.strip()), parseLong(p.strip())));
    }

    private static Double ratio(long quota, long period) {
        if (quota <= 0 || period <= 0) return null;
        double c = (double) quota / period;
        return validCpus(c) ? c : null;
    }

    /** memory.max ("max" or bytes) or memory.limit_in_bytes (bytes, huge = none). */
    private static Found<Long> memory(Path file) {
        String s = readSmall(file);
        if (s == null) return Found.none();
        long v = parseLong(s.strip());
        return Found.of(validMemory(v) ? v : null);
    }

    private static boolean validCpus(double c) {
        return c > 0 && !Double.isInfinite(c) && !Double.isNaN(c);
    }

    private static boolean validMemory(long m) {
        return m > 0 && m < UNLIMITED_THRESHOLD;
    }

    /** A decimal long, or -1 for "max", garbage or overflow. */
    private static long parseLong(String s) {
        if (s.isEmpty() || s.length() > 20) return -1;
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The file's text, or null if it does not exist or cannot be read. */
    private static String readSmall(Path file) {
        if (!Files.isRegularFile(file)) return null;
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readNBytes(MAX_FILE_BYTES), StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Locating the cgroup directory

    /** One cgroup line of /proc/self/mountinfo. */
    private record Mount(String root, String mountPoint, String fsType, List<String> superOptions) {
    }

    private static List<Mount> readMounts(Path root) {
        String text = readSmall(root.resolve("proc/self/mountinfo"));
        List<Mount> mounts = new ArrayList<>();
        if (text == null) return mounts;
        for (String line : text.split("\n")) {
            // id parent major:minor root mountpoint options [optional fields...] - fstype source superoptions
            String[] f = line.strip().split(" ");
            int dash = -1;
            for (int i = 6; i < f.length; i++) {
                if (f[i].equals("-")) {
                    dash = i;
                    break;
                }
            }
            if (dash < 0 || dash + 1 >= f.length) continue;
            String fsType = f[dash + 1];
            if (!fsType.equals("cgroup") && !fsType.equals("cgroup2")) continue;
            List<String> superOptions = dash + 3 < f.length ? List.of(f[dash + 3].split(",")) : List.of();
            mounts.add(new Mount(unescape(f[3]), unescape(f[4]), fsType, superOptions));
        }
        return mounts;
    }

    /** mountinfo escapes space, tab, newline and backslash as \ooo. */
    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1, 3)) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isOctal(String s, int from, int n) {
        if (from + n > s.length()) return false;
        for (int i = from; i < from + n; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '7') return false;
        }
        return true;
    }

    /**
     * The hierarchy holding {@code cgroupPath}: the mount from mountinfo (preferring one under
     * /sys/fs/cgroup) or, without one, the conventional /sys/fs/cgroup location.
     */
    private static Hierarchy hierarchy(Path root, List<Mount> mounts, String fsType, String controller, String cgroupPath) {
        Mount found = null;
        for (Mount m : mounts) {
            if (!m.fsType.equals(fsType)) continue;
            if (controller != null && !m.superOptions.contains(controller)) continue;
            if (found == null || (!found.mountPoint.startsWith("/sys/fs/cgroup") && m.mountPoint.startsWith("/sys/fs/cgroup"))) {
                found = m;
            }
        }
        Path mountDir;
        String mountRoot;
        if (found != null) {
            mountDir = under(root, found.mountPoint);
            mountRoot = found.root;
        } else {
            mountDir = defaultMountDir(root, controller);
            mountRoot = "/";
        }
        if (mountDir == null) return null;
        return new Hierarchy(mountDir, leaf(mountDir, mountRoot, cgroupPath));
    }

    private static Path defaultMountDir(Path root, String controller) {
        Path base = root.resolve("sys/fs/cgroup");
        if (controller == null) return base;
        List<String> candidates = controller.equals("cpu")
                ? List.of("cpu,cpuacct", "cpuacct,cpu", "cpu")
                : List.of(controller);
        for (String c : candidates) {
            Path p = base.resolve(c);
            if (Files.isDirectory(p)) return p;
        }
        return base.resolve(candidates.get(0));
    }

    /**
     * The directory of the process's cgroup inside the mount. The cgroup path is relative to the
     * hierarchy's root, the mount may expose only a subtree (a container's own cgroup), so the path
     * is mapped through the mount's root; if that directory is not there, the longest existing
     * tail of the path is tried, and finally the mount point itself.
     */
    private static Path leaf(Path mountDir, String mountRoot, String cgroupPath) {
        String rel = null;
        if (mountRoot.equals("/")) {
            rel = cgroupPath;
        } else if (cgroupPath.equals(mountRoot)) {
            rel = "/";
        } else if (cgroupPath.startsWith(mountRoot + "/")) {
            rel = cgroupPath.substring(mountRoot.length());
        }
        if (rel != null) {
            Path p = inside(mountDir, rel);
            if (p != null && Files.isDirectory(p)) return p;
        }
        String[] parts = cgroupPath.split("/");
        for (int skip = 1; skip < parts.length; skip++) {
            String tail = String.join("/", Arrays.copyOfRange(parts, skip, parts.length));
            if (tail.isEmpty()) continue;
            Path p = inside(mountDir, tail);
            if (p != null && Files.isDirectory(p)) return p;
        }
        return mountDir;
    }

    /** {@code dir/rel}, or null if rel is not a path or escapes dir (e.g. through ".."). */
    private static Path inside(Path dir, String rel) {
        try {
            String r = rel;
            while (r.startsWith("/")) r = r.substring(1);
            if (r.isEmpty()) return dir;
            Path p = dir.resolve(r).normalize();
            return p.startsWith(dir.normalize()) ? p : null;
        } catch (InvalidPathException e) {
            return null;
        }
    }

    /** An absolute host path re-rooted below {@code root}. */
    private static Path under(Path root, String absolute) {
        return inside(root, absolute);
    }

    /** A cgroup directory and the mount point above which the hierarchy ends. */
    private record Hierarchy(Path top, Path leaf) {
        /** The smallest limit from the leaf up to and including the top; parents' limits apply too. */
        <T extends Comparable<T>> Found<T> minimum(Function<Path, Found<T>> reader) {
            Path stop = top.normalize();
            Path dir = leaf.normalize();
            boolean seen = false;
            T min = null;
            for (int depth = 0; dir != null && dir.startsWith(stop) && depth < 256; depth++) {
                Found<T> f = reader.apply(dir);
                if (f.seen) {
                    seen = true;
                    if (f.value != null && (min == null || f.value.compareTo(min) < 0)) min = f.value;
                }
                if (dir.equals(stop)) break;
                dir = dir.getParent();
            }
            return new Found<>(seen, min);
        }
    }

    /** Whether a limit file was there at all, and the limit it set (null = none). */
    private record Found<T>(boolean seen, T value) {
        static <T> Found<T> none() {
            return new Found<>(false, null);
        }

        static <T> Found<T> unlimited() {
            return new Found<>(true, null);
        }

        static <T> Found<T> of(T value) {
            return new Found<>(true, value);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Formatting

    private static String decimal(double d) {
        return BigDecimal.valueOf(d).setScale(2, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }

    private static String bytes(long b) {
        String[] units = {"TiB", "GiB", "MiB", "KiB"};
        for (int i = 0; i < units.length; i++) {
            long unit = 1L << (10 * (units.length - i));
            if (b >= unit) {
                return BigDecimal.valueOf(b).divide(BigDecimal.valueOf(unit), 2, RoundingMode.HALF_UP)
                        .stripTrailingZeros().toPlainString() + " " + units[i];
            }
        }
        return b + " bytes";
    }
}
