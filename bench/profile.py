#!/usr/bin/env python3
"""bench/profile: where the eventloop model's time goes, next to raw Netty's.

Runs `jgunicorn -w 1 -k eventloop` and the raw Netty hello (1 event loop) one after the other under the same wrk
load, each JVM with Java Flight Recorder on (JDK 25's CPU-time sampler, jdk.CPUTimeSample, which also catches
threads in native code, plus the classic jdk.ExecutionSample). Prints, per server: req/s, user and system CPU
microseconds per request (from /proc), the hottest methods (self time), and the inclusive share of each part of
the request path. The recordings stay in .cache/bench/profile-*/ for `jfr view hot-methods FILE` and JMC.
"""
import argparse
import collections
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
    ("    Uris.parse (java.net.URI)", "dev.jgunicorn.server.Uris.parse"),
    ("    Exchange.<init> (request Headers copy)", "dev.jgunicorn.server.Exchange.<init>"),
    ("    WorkerServer.dispatch (running set)", "dev.jgunicorn.server.WorkerServer.dispatch"),
    ("    app handler (Hello.handle)", "dev.jgunicorn.demo.Hello.handle"),
    ("      sendResponseHeaders (head as String)", "dev.jgunicorn.server.Exchange.sendResponseHeaders"),
    ("      ResponseBodyStream.close -> finish", "dev.jgunicorn.server.ResponseBodyStream.close"),
    ("      channel flush in finish (socket write)", "dev.jgunicorn.server.Connection.flush"),
    ("  raw Netty handler (channelRead)", "dev.jgunicorn.bench.NettyHello$Handler.channelRead"),
    ("  raw Netty flush at read end (socket write)", "dev.jgunicorn.bench.NettyHello$Handler.channelReadComplete"),
    ("Connection.completed (task after each response)", "dev.jgunicorn.server.Connection.completed"),
    ("  WorkerServer.requestEnded (metrics/log hooks)", "dev.jgunicorn.server.WorkerServer.requestEnded"),
    ("  Connection.next -> arm (keep-alive timer)", "dev.jgunicorn.server.Connection.arm"),
    ("Connection.cancelTimer", "dev.jgunicorn.server.Connection.cancelTimer"),
    ("scheduled-task queue (timers)", "io.netty.util.concurrent.AbstractScheduledEventExecutor"),
    ("epoll_wait (idle or waiting)", "io.netty.channel.epoll.Native.epollWait"),
    ("socket writes (writev/write)", "io.netty.channel.epoll.AbstractEpollChannel.doWriteBytes"),
    ("socket writes, gathering (writevAddresses)", "io.netty.channel.unix.FileDescriptor.writevAddresses"),
    ("socket reads (readAddress)", "io.netty.channel.unix.FileDescriptor.readAddress"),
    ("GC / JIT / other non-Netty threads", None),
]


def frames(ev):
    st = ev["values"].get("stackTrace") or {}
    out = []
    for f in st.get("frames", []):
        m = f.get("method") or {}
        out.append((m.get("type", {}).get("name", "?") + "." + m.get("name", "?"), f.get("lineNumber", -1)))
    return out


def thread_name(ev):
    v = ev["values"]
    t = v.get("sampledThread") or v.get("eventThread") or {}
    return t.get("javaName") or t.get("osName") or ""


def analyse(jfr_file, event):
    out = subprocess.run(["jfr", "print", "--json", "--events", event, jfr_file], capture_output=True, text=True)
    if out.returncode != 0:
        return None
    events = json.loads(out.stdout)["recording"]["events"]
    if not events:
        return None
    self_counts = collections.Counter()
    self_lines = collections.Counter()
    part_counts = collections.Counter()
    io_threads = 0
    for ev in events:
        fr = frames(ev)
        if not fr:
            continue
        name = thread_name(ev)
        io = "jgunicorn-io" in name or "multiThreadIoEventLoopGroup" in name or "nioEventLoop" in name \
            or "epollEventLoop" in name or "jgunicorn-accept" in name
        if not io:
            part_counts["GC / JIT / other non-Netty threads"] += 1
            continue
        io_threads += 1
        self_counts[fr[0][0]] += 1
        self_lines[f"{fr[0][0]}:{fr[0][1]}"] += 1
        names = {f for f, _ in fr}
        for label, method in PARTS:
            if method and method in names:
                part_counts[label] += 1
    return {"samples": len(events), "io_samples": io_threads, "self": self_counts.most_common(25),
            "self_lines": self_lines.most_common(15), "parts": part_counts}


def cpu_split(pids):
    """(user ticks, system ticks) summed over pids."""
    u = s = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
            u += int(rest[11])
            s += int(rest[12])
        except OSError:
            pass
    return u, s


def main():
    ap = argparse.ArgumentParser(prog="bench/profile", description=__doc__)
    ap.add_argument("--duration", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=8)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--wrk-threads", type=int, default=1)
    ap.add_argument("--only", default="", help="jgunicorn or netty")
    args = ap.parse_args()
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
        return (f"-XX:StartFlightRecording=filename={d}/{name}.jfr,settings=profile,dumponexit=true,"
                "jdk.CPUTimeSample#enabled=true,jdk.CPUTimeSample#throttle=2ms")

    targets = [
        ("jgunicorn eventloop w1", "jgunicorn", lambda port: [java, "-jar", h.JAR, "-w", "1", "-k", "eventloop", "-b", f"127.0.0.1:{port}",
                                                  f"--jvm-arg={jfr_opt('jgunicorn-worker')}", "--classpath", app_cp,
                                                  "dev.jgunicorn.bench.BenchApp"]),
        ("netty raw 1 loop", "netty", lambda port: [java, jfr_opt("netty"), "-cp", cp, "dev.jgunicorn.bench.NettyHello", str(port), "1"]),
    ]
    print(f"profile: load average {h.loadavg()}; recordings in {d}", flush=True)
    for label, key, cmd in targets:
        if args.only and args.only != key:
            continue
        port = h.free_port()
        with open(os.path.join(d, key + ".log"), "wb") as log:
            p = h.start(cmd(port), log)
            try:
                if h.wait_ready(port, p, 90) is None:
                    print(f"{label}: did not start", flush=True)
                    continue
                h.wrk(port, "/", args.connections, args.warmup, args.wrk_threads)
                fam = h.tree(p.pid)
                u0, s0 = cpu_split(fam)
                r = h.wrk(port, "/", args.connections, args.duration, args.wrk_threads)
                u1, s1 = cpu_split(h.tree(p.pid))
                n = r["requests"]
                us = 1e6 / h.CLK
                print(f"\n== {label}: {n / (r['duration_us'] / 1e6):.0f} req/s, p50 {r['p50_us'] / 1000:.2f} ms, "
                      f"p99 {r['p99_us'] / 1000:.2f} ms; CPU per request: user {(u1 - u0) * us / n:.1f} us, "
                      f"system {(s1 - s0) * us / n:.1f} us (load {h.loadavg()})", flush=True)
            finally:
                h.stop(p, grace=20)
        files = sorted(glob.glob(os.path.join(d, f"{key}*.jfr")))
        if not files:
            print("  no recording written", flush=True)
            continue
        for event in ("jdk.CPUTimeSample", "jdk.ExecutionSample"):
            a = analyse(files[0], event)
            if not a:
                print(f"  {event}: no samples")
                continue
            io = max(1, a["io_samples"])
            print(f"  {event}: {a['samples']} samples, {a['io_samples']} on event-loop threads")
            print("  inclusive share of event-loop samples:")
            for lbl, _ in PARTS:
                c = a["parts"].get(lbl, 0)
                if c:
                    base = a["samples"] if lbl.startswith("GC") else io
                    print(f"    {100 * c / base:5.1f}%  {lbl}" + ("  (of all samples)" if lbl.startswith("GC") else ""))
            print("  hottest methods (self, event-loop threads):")
            for m, c in a["self"][:18]:
                print(f"    {100 * c / io:5.1f}%  {m}")
            print("  hottest lines:")
            for m, c in a["self_lines"][:10]:
                print(f"    {100 * c / io:5.1f}%  {m}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
