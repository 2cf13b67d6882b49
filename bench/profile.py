#!/usr/bin/env python3
"""bench/profile: where a worker model's time goes, next to raw Netty's or robaho/httpserver's.

Runs `jgunicorn -w 1 -k eventloop --io-threads 1` (or --model) and, one after the other under the same wrk load, the
raw Netty hello (1 event loop), robaho/httpserver and the JDK's HttpServer (`--only jgunicorn,robaho,jdk`: on
virtual threads, or a fixed pool of --threads for `--model gthread`); with --h2-streams M, jgunicorn and Netty over
h2c (NettyH2Hello for Netty) under h2load with M streams per connection. Each JVM runs with Java Flight Recorder on
(JDK 25's CPU-time sampler, jdk.CPUTimeSample, which also catches threads in native code, plus the classic
jdk.ExecutionSample). Prints, per server: req/s, user and system CPU microseconds per request (from /proc),
bytes allocated per request (JFR's allocation samples over the measured run), the hottest methods (self time),
and the inclusive share of each part of the request path. The recordings stay in .cache/bench/profile-*/ for `jfr view hot-methods FILE` and JMC.
"""
import argparse
import collections
import datetime
import glob
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

# Parts of the request path: a sample counts for a part when any frame of its stack matches (inclusive time).
PARTS = [
    ("socket read + decode (epollInReady)", "io.netty.channel.epoll.AbstractEpollStreamChannel$EpollStreamUnsafe.epollInReady"),
    ("  request decoder: Http1RequestDecoder.decode", "dev.jgunicorn.http.Http1RequestDecoder.decode"),
    ("  request decoder: Netty HttpRequestDecoder", "io.netty.handler.codec.http.HttpObjectDecoder.decode"),
    ("  Connection.start (new Exchange, dispatch)", "dev.jgunicorn.server.Connection.start"),
    ("    WorkerServer.contextFor (path match)", "dev.jgunicorn.server.WorkerServer.contextFor"),
    ("    Exchange.<init>", "dev.jgunicorn.server.Exchange.<init>"),
    ("    WorkerServer.dispatch", "dev.jgunicorn.server.WorkerServer.dispatch"),
    ("    app handler (Hello.handle)", "dev.jgunicorn.demo.Hello.handle"),
    ("      sendResponseHeaders (ResponseHead.encode)", "dev.jgunicorn.server.Exchange.sendResponseHeaders"),
    ("      ResponseBodyStream.close -> finish", "dev.jgunicorn.server.ResponseBodyStream.close"),
    ("  raw Netty handler (channelRead)", "dev.jgunicorn.bench.NettyHello$Handler.channelRead"),
    ("  raw Netty flush at read end (socket write)", "dev.jgunicorn.bench.NettyHello$Handler.channelReadComplete"),
    ("  HTTP/2: the stream's child channel opened (Http2FrameCodec.onStreamActive)", "io.netty.handler.codec.http2.Http2FrameCodec.onStreamActive0"),
    ("  HTTP/2: Http2Stream.requestHead (HEADERS to RequestHead)", "dev.jgunicorn.server.Http2Stream.requestHead"),
    ("  HTTP/2: Http2Response.headers (response head to HTTP/2 fields)", "dev.jgunicorn.server.Http2Response.headers"),
    ("  HTTP/2: a stream's frames written into the codec (AbstractHttp2StreamChannel.write)", "io.netty.handler.codec.http2.AbstractHttp2StreamChannel.write"),
    ("  HTTP/2: HPACK encoding", "io.netty.handler.codec.http2.HpackEncoder.encodeHeaders"),
    ("  HTTP/2: raw Netty handler (channelRead)", "dev.jgunicorn.bench.NettyH2Hello$Handler.channelRead"),
    ("  HTTP/2: flush at read end (Http2ConnectionHandler.flush)", "io.netty.handler.codec.http2.Http2ConnectionHandler.flush"),
    ("  HTTP/2: a stream closed (Http2ConnectionHandler.doCloseStream)", "io.netty.handler.codec.http2.Http2ConnectionHandler.doCloseStream"),
    ("Connection.lastWritten (write, flush, complete)", "dev.jgunicorn.server.Connection.lastWritten"),
    ("  Connection.completed", "dev.jgunicorn.server.Connection.completed"),
    ("    WorkerServer.requestEnded (metrics/log hooks)", "dev.jgunicorn.server.WorkerServer.requestEnded"),
    ("    Connection.next -> ConnectionDeadline.arm (keep-alive deadline)", "dev.jgunicorn.server.ConnectionDeadline.arm"),
    ("ConnectionDeadline.check (the connection's one timer)", "dev.jgunicorn.server.ConnectionDeadline.check"),
    ("scheduled-task queue (timers)", "io.netty.util.concurrent.AbstractScheduledEventExecutor"),
    ("epoll_wait (idle or waiting)", "io.netty.channel.epoll.Native.epollWait"),
    ("socket writes (writev/write)", "io.netty.channel.epoll.AbstractEpollChannel.doWriteBytes"),
    ("socket writes, gathering (writevAddresses)", "io.netty.channel.unix.FileDescriptor.writevAddresses"),
    ("socket reads (readAddress)", "io.netty.channel.unix.FileDescriptor.readAddress"),
    ("-- cross-cutting (anywhere in the stack) --", None),
    ("URI parsing: Uris.parse (java.net.URI)", "dev.jgunicorn.server.Uris.parse"),
    ("request Headers: com.sun.net.httpserver.Headers.add", "com.sun.net.httpserver.Headers.add"),
    ("response Headers: Headers.set", "com.sun.net.httpserver.Headers.set"),
    ("deadlines: ConnectionDeadline.arm + clear + schedule", ("dev.jgunicorn.server.ConnectionDeadline.arm", "dev.jgunicorn.server.ConnectionDeadline.clear", "dev.jgunicorn.server.ConnectionDeadline.schedule")),
    ("buffer allocation: AbstractByteBufAllocator.directBuffer/buffer", ("io.netty.buffer.AbstractByteBufAllocator.directBuffer", "io.netty.buffer.AbstractByteBufAllocator.buffer")),
    ("task queue: SingleThreadEventExecutor.runAllTasks", ("io.netty.util.concurrent.SingleThreadEventExecutor.runAllTasks", "io.netty.util.concurrent.SingleThreadEventExecutor.runAllTasksFrom")),
    ("virtual-thread scheduling: ForkJoinPool signalWork/deactivate", ("java.util.concurrent.ForkJoinPool.signalWork", "java.util.concurrent.ForkJoinPool.deactivate")),
    ("GC / JIT / other non-Netty threads", None),
]


def frames(ev):
    st = ev["values"].get("stackTrace") or {}
    out = []
    for f in st.get("frames", []):
        m = f.get("method") or {}
        cls = m.get("type", {}).get("name", "?").replace("/", ".")
        out.append((cls + "." + m.get("name", "?"), f.get("lineNumber", -1)))
    return out


LOOP_FRAMES = ("io.netty.channel.epoll.EpollIoHandler.processReady", "io.netty.util.concurrent.AbstractEventExecutor.runTask",
               "io.netty.util.concurrent.AbstractEventExecutor.safeExecute", "io.netty.channel.epoll.EpollIoHandler.run")


def entry_point(fr):
    """What the event loop was doing: the frame just above its dispatch (a ready channel's event, a task, epoll)."""
    names = [f for f, _ in fr]  # top (leaf) first
    for i in range(len(names) - 1, -1, -1):  # from the root
        if names[i] in LOOP_FRAMES[:3] and i > 0:
            j = i - 1
            while j > 0 and names[j].startswith(("io.netty.util.concurrent.", "java.")) and "$$Lambda" not in names[j]:
                j -= 1
            return names[i].rsplit(".", 1)[1] + " -> " + names[j]
    for n in names:
        if "epollWait" in n or "epollBusyWait" in n:
            return "epoll_wait"
    return "other: " + names[-1] if names else "?"


def thread_name(ev):
    v = ev["values"]
    t = v.get("sampledThread") or v.get("eventThread") or {}
    return t.get("javaName") or t.get("osName") or ""


# Threads of the JVM itself (the compilers, JFR, reference processing); every other sampled thread serves requests
# (I/O loops, handler threads, virtual threads and their carriers, robaho's dispatcher).
JVM_THREADS = ("C1 ", "C2 ", "JFR ", "Common-Cleaner", "Reference Handler", "Finalizer", "Signal Dispatcher",
               "Attach Listener", "Notification Thread", "Monitor Deflation", "Service Thread", "DestroyJavaVM")


def serving_thread(name):
    return not name.startswith(JVM_THREADS)


def allocations(jfr_file, window, requests):
    """Bytes allocated per request: the weights of JFR's allocation samples (each stands for the bytes allocated
    since the thread's previous sample) within the measured run's wall-clock window, by class and by allocating
    frame (the first frame outside java.*, jdk.*, sun.*)."""
    out = subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events", "jdk.ObjectAllocationSample",
                          jfr_file], capture_output=True, text=True)
    if out.returncode != 0:
        return None
    total = 0
    by_class = collections.Counter()
    by_site = collections.Counter()
    for ev in json.loads(out.stdout)["recording"]["events"]:
        v = ev["values"]
        t = datetime.datetime.fromisoformat(v["startTime"].replace("Z", "+00:00")).timestamp()
        if not window[0] <= t <= window[1]:
            continue
        w = v.get("weight") or 0
        total += w
        by_class[(v.get("objectClass") or {}).get("name", "?").replace("/", ".")] += w
        site = next((f for f, _ in frames(ev) if not f.startswith(("java.", "jdk.", "sun."))), "(JDK only)")
        by_site[site] += w
    n = max(1, requests)
    return total / n, [(k, c / n) for k, c in by_class.most_common(10)], [(k, c / n) for k, c in by_site.most_common(12)]


def print_allocations(a):
    per_request, classes, sites = a
    print(f"  allocated per request (JFR allocation samples, measured run): {per_request:,.0f} bytes")
    print("    by class: " + ", ".join(f"{k} {v:,.0f}" for k, v in classes))
    print("    by allocating frame:")
    for k, v in sites:
        print(f"      {v:8,.0f} B  {k}")


def analyse(jfr_file, event):
    out = subprocess.run(["jfr", "print", "--json", "--stack-depth", "512", "--events", event, jfr_file], capture_output=True, text=True)
    if out.returncode != 0:
        return None
    events = json.loads(out.stdout)["recording"]["events"]
    if not events:
        return None
    self_counts = collections.Counter()
    self_lines = collections.Counter()
    part_counts = collections.Counter()
    entries = collections.Counter()
    io_threads = 0
    for ev in events:
        fr = frames(ev)
        if not fr:
            continue
        if not serving_thread(thread_name(ev)):
            part_counts["GC / JIT / other non-Netty threads"] += 1
            continue
        io_threads += 1
        self_counts[fr[0][0]] += 1
        self_lines[f"{fr[0][0]}:{fr[0][1]}"] += 1
        entries[entry_point(fr)] += 1
        names = {f for f, _ in fr}
        for label, method in PARTS:
            if not method:
                continue
            ms = method if isinstance(method, tuple) else (method,)
            if any(m in names for m in ms):
                part_counts[label] += 1
    return {"samples": len(events), "io_samples": io_threads, "entries": entries.most_common(12), "self": self_counts.most_common(25),
            "self_lines": self_lines.most_common(15), "parts": part_counts}


def report(jfr_file):
    for event in ("jdk.CPUTimeSample", "jdk.ExecutionSample"):
        a = analyse(jfr_file, event)
        if not a:
            print(f"  {event}: no samples")
            continue
        io = max(1, a["io_samples"])
        print(f"  {event}: {a['samples']} samples, {a['io_samples']} on event-loop threads")
        print("  inclusive share of event-loop samples:")
        for lbl, _ in PARTS:
            c = a["parts"].get(lbl, 0)
            if lbl.startswith("--"):
                print(f"           {lbl}")
            if c:
                base = a["samples"] if lbl.startswith("GC") else io
                print(f"    {100 * c / base:5.1f}%  {lbl}" + ("  (of all samples)" if lbl.startswith("GC") else ""))
        print("  what the event loop was doing (entry point under its dispatch):")
        for m, c in a["entries"]:
            print(f"    {100 * c / io:5.1f}%  {m}")
        print("  hottest methods (self, event-loop threads):")
        for m, c in a["self"][:18]:
            print(f"    {100 * c / io:5.1f}%  {m}")
        print("  hottest lines:")
        for m, c in a["self_lines"][:10]:
            print(f"    {100 * c / io:5.1f}%  {m}")


def syscalls(root, port, args):
    """Counts the serving JVM's system calls during a short extra wrk run; returns [(name, calls per request)]."""
    pids = [q for q in h.tree(root) if q != root] or [root]  # jgunicorn: the worker, not the master
    out = os.path.join(h.RUN_DIR, f"strace-{pids[-1]}.txt")
    st = subprocess.Popen(["strace", "-c", "-f", "-o", out, "-p", str(pids[-1])], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    h.STARTED.append(st)
    time.sleep(1.5)
    r = h.wrk(port, "/", args.connections, args.strace, args.wrk_threads, pin=args.wrk_cpus)
    st.send_signal(h.signal.SIGINT)
    try:
        st.wait(20)
    except subprocess.TimeoutExpired:
        h.stop(st)
    if st in h.STARTED:
        h.STARTED.remove(st)
    calls = []
    try:
        with open(out) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] != "total":
                    calls.append((parts[-1], int(parts[3])))
    except OSError:
        return None
    n = max(1, r["requests"])
    calls.sort(key=lambda x: -x[1])
    return [(k, v / n) for k, v in calls[:8]]


def cpu_split(pids):
    """(user ticks, system ticks, ticks of the JIT compiler threads) summed over pids' threads. Compilation is
    counted apart: on a loaded machine it runs late and can double the CPU per request of a short run."""
    u = s = jit = 0
    for p in pids:
        for t in glob.glob(f"/proc/{p}/task/*"):
            try:
                with open(f"{t}/stat") as f:
                    comm, rest = f.read().split(" (", 1)[1].rsplit(")", 1)
                rest = rest.split()
            except (OSError, ValueError):
                continue
            u += int(rest[11])
            s += int(rest[12])
            if comm.startswith(("C1 CompilerThre", "C2 CompilerThre")):
                jit += int(rest[11]) + int(rest[12])
    return u, s, jit


def main():
    ap = argparse.ArgumentParser(prog="bench/profile", description=__doc__)
    ap.add_argument("--duration", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=8)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--wrk-threads", type=int, default=1)
    ap.add_argument("--only", default="jgunicorn,netty",
                    help="which servers, comma-separated: jgunicorn, netty, robaho, jdk (default jgunicorn,netty)")
    ap.add_argument("--baseline-jar", metavar="JAR",
                    help="also profile this jgunicorn.jar (e.g. a copy built before a change), as server 'base', for A/B")
    ap.add_argument("--rounds", type=int, default=1,
                    help="run the servers this many times, every other round in reverse order (A/B on a noisy machine)")
    ap.add_argument("--threads", type=int, default=4, help="gthread's threads, and robaho's fixed pool for --model gthread")
    ap.add_argument("--server-cpus", default=None, help="taskset CPU list for the servers (e.g. 0); default: unpinned")
    ap.add_argument("--wrk-cpus", default=None, help="taskset CPU list for wrk (e.g. 1); default: unpinned")
    ap.add_argument("--arg", action="append", default=[],
                    help="an extra jgunicorn argument, e.g. --arg=--jvm-arg=-Xmx256m (repeatable)")
    ap.add_argument("--io-threads", type=int, default=1,
                    help="jgunicorn's event loops (default 1, as many as the raw Netty server it is compared with)")
    ap.add_argument("--model", default="eventloop", help="jgunicorn's worker class to profile (default eventloop)")
    ap.add_argument("--strace", type=int, default=5, help="seconds of an extra run under strace -c to count system calls (0: skip)")
    ap.add_argument("--no-jfr", action="store_true", help="no recording: only req/s, CPU per request and system calls")
    ap.add_argument("--h2-streams", type=int, default=0, metavar="M",
                    help="HTTP/2 instead: h2load with M streams per connection against jgunicorn's h2c and raw Netty's h2c")
    ap.add_argument("--analyse", metavar="DIR", help="only summarise the recordings of an earlier run")
    args = ap.parse_args()
    if args.analyse:
        for key in ("jgunicorn", "base", "netty", "robaho", "jdk"):
            for f in sorted(glob.glob(os.path.join(args.analyse, f"{key}*.jfr"))):
                print(f"\n== {f}")
                report(f)
        return 0
    h.signal.signal(h.signal.SIGINT, h.on_signal)
    h.signal.signal(h.signal.SIGTERM, h.on_signal)
    h.atexit.register(h.stop_all)
    os.makedirs(h.CACHE, exist_ok=True)
    d = os.path.join(h.CACHE, "profile-" + time.strftime("%Y%m%d-%H%M%S"))
    os.makedirs(d)
    h.RUN_DIR = d
    java = os.path.join(os.environ["JAVA_HOME"], "bin", "java")
    cp = os.path.join(h.BENCH, "target", "classes") + ":" + h.read_cp("classpath.txt")
    app_cp = ",".join([os.path.join(h.BENCH, "target", "classes")] + h.read_cp("app-classpath.txt").split(":"))

    def jfr_opt(name):
        if args.no_jfr:
            return "-XX:+UseG1GC"  # a no-op: the JVM's default on this machine
        return (f"-XX:FlightRecorderOptions=stackdepth=512 -XX:StartFlightRecording=filename={d}/{name}.jfr,"
                "settings=profile,dumponexit=true,jdk.CPUTimeSample#enabled=true,jdk.CPUTimeSample#throttle=2ms")

    h2 = args.h2_streams > 0
    h2c = ["--http-protocols", "h2,h1", "--http2-cleartext", "both"] if h2 else []
    netty = "NettyH2Hello" if h2 else "NettyHello"
    robaho_pool = f"fixed:{args.threads}" if args.model == "gthread" else "virtual"
    def jgunicorn(jar, port, key):
        return [java, "-jar", jar, "-w", "1", "-k", args.model, "--io-threads", str(args.io_threads), *h2c,
                *(["--threads", str(args.threads)] if args.model == "gthread" and "--threads" not in args.arg else []), *args.arg,
                "-b", f"127.0.0.1:{port}", *h.ctl(port), *[f"--jvm-arg={o}" for o in jfr_opt(key + '-worker').split()],
                "--classpath", app_cp, "dev.jgunicorn.bench.BenchApp"]

    targets = [
        (f"jgunicorn {args.model} w1", "jgunicorn", lambda port: jgunicorn(h.JAR, port, "jgunicorn")),
        (f"jgunicorn {args.model} w1, {args.baseline_jar}", "base", lambda port: jgunicorn(args.baseline_jar, port, "base")),
        (f"netty raw{' h2c' if h2 else ''} 1 loop", "netty", lambda port: [java, *jfr_opt("netty").split(), "-cp", cp, f"dev.jgunicorn.bench.{netty}", str(port), "1"]),
        (f"robaho httpserver {robaho_pool}", "robaho", lambda port: [java, *jfr_opt("robaho").split(), "-cp", cp, "dev.jgunicorn.bench.SpiServer",
                                                                     "robaho", str(port), robaho_pool]),
        (f"jdk httpserver {robaho_pool}", "jdk", lambda port: [java, *jfr_opt("jdk").split(), "-Dsun.net.httpserver.maxIdleConnections=4096",
                                                               "-cp", cp, "dev.jgunicorn.bench.SpiServer", "jdk", str(port), robaho_pool]),
    ]
    if h2:  # robaho and the JDK's server speak HTTP/1.1 only
        targets = [t for t in targets if t[1] in ("jgunicorn", "base", "netty")]
    window = {}

    def load(port, duration):
        if h2:
            return h.h2load(port, "/", args.connections, args.h2_streams, duration, args.wrk_threads, pin=args.wrk_cpus)
        return h.wrk(port, "/", args.connections, duration, args.wrk_threads, pin=args.wrk_cpus)
    print(f"profile: load average {h.loadavg()}; recordings in {d}", flush=True)
    chosen = [t for t in targets if t[1] in args.only.split(",") + (["base"] if args.baseline_jar else [])]
    for label, key, cmd in [t for r in range(args.rounds) for t in (chosen if r % 2 == 0 else chosen[::-1])]:
        if key not in args.only.split(",") + (["base"] if args.baseline_jar else []):
            continue
        port = h.free_port()
        with open(os.path.join(d, key + ".log"), "wb") as log:
            p = h.start(cmd(port), log, pin=args.server_cpus)
            try:
                if h.wait_ready(port, p, 90, h2=h2) is None:
                    print(f"{label}: did not start", flush=True)
                    continue
                load(port, args.warmup)
                fam = h.tree(p.pid)
                u0, s0, j0 = cpu_split(fam)
                t0 = time.time()
                r = load(port, args.duration)
                t1 = time.time()
                u1, s1, j1 = cpu_split(h.tree(p.pid))
                window[key] = (t0, t1, r["requests"])
                n = r["requests"]
                sc = syscalls(p.pid, port, args) if args.strace > 0 and not h2 else None
                us = 1e6 / h.CLK
                print(f"\n== {label}: {n / (r['duration_us'] / 1e6):.0f} req/s, p50 {r['p50_us'] / 1000:.2f} ms, "
                      f"p99 {r['p99_us'] / 1000:.2f} ms; CPU per request: user {(u1 - u0) * us / n:.1f} us, "
                      f"system {(s1 - s0) * us / n:.1f} us, of which JIT compiler threads {(j1 - j0) * us / n:.1f} us; "
                      f"without them {((u1 - u0) + (s1 - s0) - (j1 - j0)) * us / n:.1f} us (load {h.loadavg()})", flush=True)
                if sc:
                    print("  system calls per request (strace -c -f on the serving process, separate "
                          f"{args.strace} s run): " + ", ".join(f"{k} {v:.2f}" for k, v in sc), flush=True)
            finally:
                h.stop(p, grace=20)
        files = sorted(glob.glob(os.path.join(d, f"{key}*.jfr")))
        if args.no_jfr:
            continue
        if not files:
            print("  no recording written", flush=True)
            continue
        if key in window:
            a = allocations(files[0], window[key][:2], window[key][2])
            if a:
                print_allocations(a)
        report(files[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
