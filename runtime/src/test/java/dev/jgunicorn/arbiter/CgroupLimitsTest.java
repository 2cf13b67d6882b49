package dev.jgunicorn.arbiter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Reading cgroup limits from a fake /proc and /sys tree, and sizing --workers auto from them. */
class CgroupLimitsTest {
    private static final long MIB = 1024L * 1024;
    private static final long GIB = 1024 * MIB;

    private static void write(Path root, String path, String content) throws IOException {
        Path p = root.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content, StandardCharsets.ISO_8859_1);
    }

    // ---- cgroup v2

    @Test
    void v2WithLimits(@TempDir Path root) throws IOException {
        write(root, "proc/self/cgroup", "0::/app.slice/web.service\n");
        write(root, "sys/fs/cgroup/app.slice/web.service/cpu.max", "150000 100000\n");
        write(root, "sys/fs/cgroup/app.slice/web.service/memory.max", "536870912\n");

        CgroupLimits l = CgroupLimits.read(root);

        assertEquals(OptionalDouble.of(1.5), l.cpus());
        assertEquals(OptionalLong.of(512 * MIB), l.memoryBytes());
        assertEquals("cgroup cpu limit 1.5, memory limit 512 MiB", l.describe());
    }

    @Test
    void v2NestedTakesTheTighterParentLimit(@TempDir Path root) throws IOException {
        write(root, "proc/self/cgroup", "0::/kubepods/pod1/container\n");
        // The container itself asks for 4 CPUs and 2 GiB, its pod only allows 2 CPUs and 1 GiB.
        write(root, "sys/fs/cgroup/kubepods/pod1/container/cpu.max", "400000 100000\n");
        write(root, "sys/fs/cgroup/kubepods/pod1/container/memory.max", String.valueOf(2 * GIB));
        write(root, "sys/fs/cgroup/kubepods/pod1/cpu.max", "200000 100000\n");
        write(root, "sys/fs/cgroup/kubepods/pod1/memory.max", String.valueOf(GIB));
        write(root, "sys/fs/cgroup/kubepods/cpu.max", "max 100000\n");
        write(root, "sys/fs/cgroup/kubepods/memory.max", "max\n");

        CgroupLimits l = CgroupLimits.read(root);

        assertEquals(OptionalDouble.of(2.0), l.cpus());
        assertEquals(OptionalLong.of(GIB), l.memoryBytes());
        assertEquals("cgroup cpu limit 2, memory limit 1 GiB", l.describe());
    }

    @Test
    void v2NestedChildTighterThanParent(@TempDir Path root) throws IOException {
        write(root, "proc/self/cgroup", "0::/a/b\n");
        write(root, "sys/fs/cgroup/a/b/cpu.max", "50000 100000\n");
        write(root, "sys/fs/cgroup/a/cpu.max", "300000 100000\n");
        write(root, "sys/fs/cgroup/a/memory.max", String.valueOf(GIB));

        CgroupLimits l = CgroupLimits.read(root);

        assertEquals(OptionalDouble.of(0.5), l.cpus());
        assertEquals(OptionalLong.of(GIB), l.memoryBytes());
    }

    @Test
    void v2MaxMeansNoLimit(@TempDir Path root) throws IOException {
        write(root, "proc/self/cgroup", "0::/user.slice\n");
        write(root, "sys/fs/cgroup/user.slice/cpu.max", "max 100000\n");
        write(root, "sys/fs/cgroup/user.slice/memory.max", "max\n");

        CgroupLimits l = CgroupLimits.read(root);

        assertEquals(OptionalDouble.empty(), l.cpus());
        assertEquals(OptionalLong.empty(), l.memoryBytes());
        assertEquals("no cgroup limits", l.describe());
    }

    @Test
    void v2InContainerNamespaceReadsTheMountRoot(@TempDir Path root) throws IOException {
        // With a cgroup namespace the process sees itself at "/" and the limits are at the top.
        write(root, "proc/self/cgroup", "0::/\n");
        write(root, "sys/fs/cgroup/cpu.max", "100000 100000\n");
        write(root, "sys/fs/cgroup/memory.max", "268435456\n");

        CgroupLimits l = CgroupLimits.read(root);

        assertEquals(OptionalDouble.of(1.0), l.cpus());
        assertEquals(OptionalLong.of(256 * MIB), l.memoryBytes());
    }

    // ---- cgroup v1

    @Test
    void v1(@TempDir Path root) throws IOException {
        write(root, "proc/self/cgroup", String.join("\n",
                "12:memory:/docker/abc",
                "11:pids:/docker/abc",
                "4:cpu,cpuacct:/docker/abc",
                "1:name=systemd:/docker/abc",
                ""));
        write(root, "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "250000\n");
        write(root, "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n");
        write(root, "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
        write(root, "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
        write(root, "sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "1073741824\n");
        write(root, "sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");

        CgroupLimits l = CgroupLimits.read(root);

        assertEquals(OptionalDouble.of(2.5), l.cpus());
        assertEquals(OptionalLong.of(GIB), l.memoryBytes());
        assertEquals("cgroup cpu limit 2.5, memory limit 1 GiB", l.describe());
    }

    @Test
    void v1UnlimitedValuesMeanNoLimit(@TempDir Path root) throws IOException {
        write(root, "proc/self/cgroup", "4:cpu,cpuacct:/\n3:memory:/\n");
        write(root, "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
        write(root, "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
        write(root, "sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");

        CgroupLimits l = CgroupLimits.read(root);

        assertEquals(OptionalDouble.empty(), l.cpus());
        assertEquals(OptionalLong.empty(), l.memoryBytes());
    }

    @Test
    void v1ContainerMountShowsOnlyItsOwnCgroup(@TempDir Path root) throws IOException {
        // Docker without a cgroup namespace: the host path is in /proc/self/cgroup, but the container's
        // directory is what is mounted at /sys/fs/cgroup/<controller> (mountinfo root /docker/abc).
        write(root, "proc/self/cgroup", "5:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/docker/abc\n");
        write(root, "proc/self/mountinfo", String.join("\n",
                "30 25 0:26 / /sys/fs/cgroup rw,nosuid - tmpfs tmpfs ro,mode=755",
                "31 30 0:27 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro,nosuid shared:9 - cgroup cgroup rw,cpu,cpuacct",
                "32 30 0:28 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory",
                ""));
        write(root, "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "50000\n");
        write(root, "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
        write(root, "sys/fs/cgroup/memory/memory.limit_in_bytes", "805306368\n");

        CgroupLimits l = CgroupLimits.read(root);

        assertEquals(OptionalDouble.of(0.5), l.cpus());
        assertEquals(OptionalLong.of(768 * MIB), l.memoryBytes());
    }

    @Test
    void hybridHostWithoutV2ControllersFallsBackToV1(@TempDir Path root) throws IOException {
        write(root, "proc/self/cgroup", "4:memory:/job\n2:cpu:/job\n0::/job\n");
        write(root, "proc/self/mountinfo", String.join("\n",
                "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
                "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
                "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
                ""));
        write(root, "sys/fs/cgroup/unified/job/cgroup.procs", "1\n");
        write(root, "sys/fs/cgroup/cpu/job/cpu.cfs_quota_us", "300000\n");
        write(root, "sys/fs/cgroup/cpu/job/cpu.cfs_period_us", "100000\n");
        write(root, "sys/fs/cgroup/memory/job/memory.limit_in_bytes", String.valueOf(2 * GIB));

        CgroupLimits l = CgroupLimits.read(root);

        assertEquals(OptionalDouble.of(3.0), l.cpus());
        assertEquals(OptionalLong.of(2 * GIB), l.memoryBytes());
    }

    // ---- nothing there, or nonsense

    @Test
    void nothingMounted(@TempDir Path root) {
        CgroupLimits l = CgroupLimits.read(root);

        assertEquals(OptionalDouble.empty(), l.cpus());
        assertEquals(OptionalLong.empty(), l.memoryBytes());
        assertEquals("no cgroup limits", l.describe());
    }

    @Test
    void cgroupFileButNoLimitFiles(@TempDir Path root) throws IOException {
        write(root, "proc/self/cgroup", "0::/somewhere/else\n");

        CgroupLimits l = CgroupLimits.read(root);

        assertEquals(CgroupLimits.none(), l);
    }

    @Test
    void rootThatDoesNotExist(@TempDir Path root) {
        CgroupLimits l = CgroupLimits.read(root.resolve("missing"));

        assertEquals(CgroupLimits.none(), l);
    }

    @Test
    void garbageContentMeansNoLimit(@TempDir Path root) throws IOException {
        write(root, "proc/self/cgroup", "0::/g\n");
        write(root, "sys/fs/cgroup/g/cpu.max", "lots of cpus\n");
        write(root, "sys/fs/cgroup/g/memory.max", "\u00ff\u0000 twelve\n");

        CgroupLimits l = CgroupLimits.read(root);

        assertEquals(OptionalDouble.empty(), l.cpus());
        assertEquals(OptionalLong.empty(), l.memoryBytes());
    }

    @Test
    void garbageEverywhereNeverThrows(@TempDir Path root) throws IOException {
        write(root, "proc/self/cgroup", "\u0000\u00ff::::\n:::\n0::relative\n0::/../../../etc\n7:cpu,memory:\n"
                + "3:cpu:/x\n4:memory:/x\n");
        write(root, "proc/self/mountinfo", "- - -\n1 2 3\n1 2 3 4 5 6 - cgroup\n\\777 \\ - cgroup2\n");
        write(root, "sys/fs/cgroup/cpu/x/cpu.cfs_quota_us", "-5\n");
        write(root, "sys/fs/cgroup/cpu/x/cpu.cfs_period_us", "0\n");
        write(root, "sys/fs/cgroup/memory/x/memory.limit_in_bytes", "99999999999999999999999999\n");
        write(root, "sys/fs/cgroup/cpu.max", "100000 0 7\n");
        write(root, "sys/fs/cgroup/memory.max", "-1\n");
        Files.createDirectories(root.resolve("sys/fs/cgroup/x/cpu.max")); // a directory, not a file

        CgroupLimits l = assertDoesNotThrow(() -> CgroupLimits.read(root));

        assertEquals(OptionalDouble.empty(), l.cpus());
        assertEquals(OptionalLong.empty(), l.memoryBytes());
        assertEquals(9, CgroupLimits.autoWorkers(l, 4, 256 * MIB)); // no limits: 2 x 4 CPUs + 1
    }

    @Test
    void pathEscapingTheHierarchyIsNotFollowed(@TempDir Path root) throws IOException {
        write(root, "proc/self/cgroup", "0::/../../../outside\n");
        write(root, "outside/cpu.max", "100000 100000\n");
        write(root, "sys/outside/cpu.max", "100000 100000\n");

        assertEquals(OptionalDouble.empty(), CgroupLimits.read(root).cpus());
    }

    // ---- --workers auto

    @Test
    void autoWorkersWithoutLimitsIsTwiceTheProcessorsPlusOne() {
        assertEquals(2 * 4 + 1, CgroupLimits.autoWorkers(CgroupLimits.none(), 4, 256 * MIB));
        assertEquals(3, CgroupLimits.autoWorkers(CgroupLimits.none(), 1, 256 * MIB));
        assertEquals(3, CgroupLimits.autoWorkers(CgroupLimits.none(), 0, 256 * MIB));
    }

    @Test
    void autoWorkersRoundsTheCpuLimitUp() {
        CgroupLimits l = CgroupLimits.of(OptionalDouble.of(1.5), OptionalLong.empty());
        assertEquals(2 * 2 + 1, CgroupLimits.autoWorkers(l, 64, 256 * MIB));
        CgroupLimits half = CgroupLimits.of(OptionalDouble.of(0.5), OptionalLong.empty());
        assertEquals(3, CgroupLimits.autoWorkers(half, 64, 256 * MIB));
    }

    @Test
    void autoWorkersIsCappedByMemory() {
        // 80% of 1 GiB = 819 MiB, room for 3 workers of 256 MiB (not the 9 that 4 CPUs would give).
        CgroupLimits l = CgroupLimits.of(OptionalDouble.empty(), OptionalLong.of(GIB));
        assertEquals(3, CgroupLimits.autoWorkers(l, 4, 256 * MIB));
        // A memory cap above the CPU rule changes nothing.
        CgroupLimits big = CgroupLimits.of(OptionalDouble.of(2), OptionalLong.of(64 * GIB));
        assertEquals(5, CgroupLimits.autoWorkers(big, 16, 256 * MIB));
    }

    @Test
    void autoWorkersWithTinyMemoryIsStillOne() {
        CgroupLimits l = CgroupLimits.of(OptionalDouble.of(4), OptionalLong.of(64 * MIB));
        assertEquals(1, CgroupLimits.autoWorkers(l, 8, 256 * MIB));
    }

    @Test
    void autoWorkersFromAReadTree(@TempDir Path root) throws IOException {
        write(root, "proc/self/cgroup", "0::/svc\n");
        write(root, "sys/fs/cgroup/svc/cpu.max", "150000 100000\n");
        write(root, "sys/fs/cgroup/svc/memory.max", String.valueOf(GIB));

        CgroupLimits l = CgroupLimits.read(root);

        assertEquals(3, CgroupLimits.autoWorkers(l, 32, 256 * MIB));
        assertEquals(5, CgroupLimits.autoWorkers(l, 32, 128 * MIB));
    }

    @Test
    void describeFormats() {
        assertEquals("cgroup cpu limit 1.5, memory limit none",
                CgroupLimits.of(OptionalDouble.of(1.5), OptionalLong.empty()).describe());
        assertEquals("cgroup cpu limit none, memory limit 1.5 GiB",
                CgroupLimits.of(OptionalDouble.empty(), OptionalLong.of(GIB + 512 * MIB)).describe());
        assertEquals("cgroup cpu limit 0.33, memory limit 1000 bytes",
                CgroupLimits.of(OptionalDouble.of(1.0 / 3), OptionalLong.of(1000)).describe());
    }

    // ---- this machine

    @Test
    void sizesThisMachineFromTheLimitsItReads() {
        CgroupLimits l = assertDoesNotThrow(() -> CgroupLimits.read(Path.of("/")));
        int processors = Runtime.getRuntime().availableProcessors();
        int workers = CgroupLimits.autoWorkers(l, processors, 256 * MIB);
        // 2 x CPUs + 1, CPUs being the cgroup's limit rounded up or else the processors the JVM sees, at most what
        // fits in 80% of the memory limit at 256 MiB each, never fewer than one
        long cpus = l.cpus().isPresent() ? (long) Math.ceil(l.cpus().getAsDouble()) : processors;
        long expected = 2 * cpus + 1;
        if (l.memoryBytes().isPresent()) expected = Math.min(expected, l.memoryBytes().getAsLong() * 4 / 5 / (256 * MIB));
        assertEquals(Math.max(1, expected), workers, l.describe());
        System.out.println("this machine: " + l.describe() + ", --workers auto -> " + workers);
    }
}
