#!/usr/bin/env python3
"""bench/run's engine: starts each server on 127.0.0.1, loads it with wrk, prints one line per server.

Only the standard library. Every process it starts is recorded by PID and stopped by PID (TERM, then KILL for the
PID and any descendant still alive) when a server's turn ends, and on exit, Ctrl-C or failure.
See docs/benchmarks.md.
"""
import argparse
import atexit
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
CACHE = os.path.join(ROOT, ".cache", "bench")
JAR = os.path.join(ROOT, "runtime", "target", "jgunicorn.jar")
CLK = os.sysconf("SC_CLK_TCK")
HELLO = b"Hello, World!"

STARTED = []  # Popen objects of every process this run started


# ---- processes ---------------------------------------------------------------------------------------------------

def proc_table():
    """pid -> (ppid, utime+stime ticks) for every process."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                s = f.read()
        except OSError:
            continue
        rest = s[s.rindex(")") + 2:].split()
        out[int(d)] = (int(rest[1]), int(rest[11]) + int(rest[12]))
    return out


def tree(pid, table=None):
    """pid and all its descendants that are alive."""
    table = table or proc_table()
    kids = {}
    for p, (pp, _) in table.items():
        kids.setdefault(pp, []).append(p)
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        if p in table:
            out.append(p)
        todo.extend(kids.get(p, []))
    return out


def status_field(pid, name):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(name + ":"):
                    return line.split()[1]
    except OSError:
        pass
    return None


def rss_kib(pid):
    v = status_field(pid, "VmRSS")
    return int(v) if v else 0


def threads(pid):
    v = status_field(pid, "Threads")
    return int(v) if v else 0


def cpu_ticks(pids, table=None):
    table = table or proc_table()
    return sum(table[p][1] for p in pids if p in table)


def machine_busy():
    """(busy ticks, total ticks) of all CPUs from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    total = sum(v[:8])
    return total - idle, total


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def start(cmd, log, env=None, pin=None):
    if pin is not None:
        cmd = ["taskset", "-c", pin] + cmd
    p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         env=env, cwd=ROOT, start_new_session=True)
    STARTED.append(p)
    return p


def alive(pid):
    st = status_field(pid, "State")
    return st is not None and st != "Z"


def stop(p, grace=10.0):
    """TERM the process, wait, then KILL it and every descendant still alive, by the PIDs recorded."""
    if p.poll() is None:
        family = set(tree(p.pid))
        try:
            p.send_signal(signal.SIGTERM)
            p.wait(grace)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            family |= set(tree(p.pid))
        for q in family:
            if q == p.pid and p.poll() is not None:
                continue
            if alive(q):
                try:
                    os.kill(q, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            pass
    if p in STARTED:
        STARTED.remove(p)


def stop_all():
    for p in list(STARTED):
        stop(p, grace=3.0)


def on_signal(signum, _frame):
    stop_all()
    sys.exit(128 + signum)


# ---- network -----------------------------------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path="/", timeout=2.0):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def wait_ready(port, proc, timeout, h2=False):
    """Polls GET / until it answers 200 Hello, World! (over h2c when h2); returns seconds waited or None."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            return None
        try:
            if h2:
                if h2_answers(port):
                    return time.monotonic() - t0
            else:
                status, body = get(port, "/", timeout=1.0)
                if status == 200 and body == HELLO:
                    return time.monotonic() - t0
        except OSError:
            pass
        time.sleep(0.02)
    return None


def load_tool(cmd, pin, timeout):
    """Runs a load generator (wrk, h2load) to its end, on the CPUs `pin` names; its output, stderr included."""
    name = cmd[0]
    if pin is not None:
        cmd = ["taskset", "-c", pin] + cmd
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
    STARTED.append(p)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(p)
        raise RuntimeError(f"{name} did not stop by itself")
    STARTED.remove(p)
    return out


def wrk(port, path, conns, duration, threads_, close=False, pin=None):
    cmd = ["wrk", "-t", str(min(threads_, conns)), "-c", str(conns), "-d", f"{duration}s", "--timeout", "5s",
           "-s", os.path.join(BENCH, "wrk", "report.lua")]
    if close:
        cmd += ["-H", "Connection: close"]
    cmd.append(f"http://127.0.0.1:{port}{path}")
    out = load_tool(cmd, pin, duration + 30)
    # wrk's own CPU time: it is a direct child, so its rusage landed in RUSAGE_CHILDREN
    for line in out.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError("wrk printed no result: " + out.strip()[-500:])


def h2load(port, path, conns, streams, duration, threads_, pin=None):
    """h2load (nghttp2) over h2c by prior knowledge, -m streams per connection; the result in wrk's shape (h2load
    reports no percentiles: p50 is its mean request time, p99 its maximum)."""
    cmd = ["h2load", "-t", str(min(threads_, conns)), "-c", str(conns), "-m", str(streams), "-D", str(duration),
           f"http://127.0.0.1:{port}{path}"]
    out = load_tool(cmd, pin, duration + 60)
    fin = re.search(r"^finished in ([\d.]+)(us|ms|s),", out, re.M)
    req = re.search(r"^requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored, "
                    r"(\d+) timeout", out, re.M)
    codes = re.search(r"^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out, re.M)
    lat = re.search(r"^time for request:\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)", out, re.M)
    if not (fin and req and codes):
        raise RuntimeError("h2load printed no result: " + out.strip()[-500:])
    unit = {"us": 1, "ms": 1000, "s": 1_000_000}
    ok, failed, errored, timeout = (int(g) for g in req.groups())
    return {"requests": ok, "duration_us": float(fin.group(1)) * unit[fin.group(2)],
            "p50_us": float(lat.group(5)) * unit[lat.group(6)] if lat else 0,
            "p99_us": float(lat.group(3)) * unit[lat.group(4)] if lat else 0,
            "connect": 0, "read": errored, "write": 0, "timeout": timeout,
            "status": sum(int(g) for g in codes.groups()[1:]) + failed - errored - timeout}


def h2_answers(port):
    """Whether GET / over h2c (prior knowledge) succeeds: the readiness probe of servers that speak only HTTP/2."""
    r = subprocess.run(["h2load", "-n", "1", "-c", "1", f"http://127.0.0.1:{port}/"], capture_output=True, text=True,
                       timeout=10)
    return " 1 succeeded" in r.stdout


def children_cpu():
    r = os.times()
    return r.children_user + r.children_system


# ---- servers -----------------------------------------------------------------------------------------------------

class Server:
    def __init__(self, name, cmd, threads_doc, env=None, optional=False, setup=None, group="peer", proto="h1"):
        self.name, self.cmd, self.threads_doc = name, cmd, threads_doc
        self.env, self.optional, self.setup, self.group = env, optional, setup, group
        self.proto = proto  # "h1": loaded with wrk; "h2": h2c by prior knowledge, loaded with h2load


def ctl(port):
    """Each master gets its own control socket, not the shared default ~/.gunicorn/gunicorn.ctl (a short path:
    unix socket paths are limited to 107 bytes)."""
    return ["--control-socket", os.path.join(tempfile.gettempdir(), f"jgbench-{os.getpid()}-{port}.ctl")]


def read_cp(name):
    with open(os.path.join(BENCH, "target", name)) as f:
        return f.read().strip()


def servers(args):
    java = os.path.join(os.environ["JAVA_HOME"], "bin", "java")
    cp = os.path.join(BENCH, "target", "classes") + ":" + read_cp("classpath.txt")
    app_cp = ",".join([os.path.join(BENCH, "target", "classes")] + read_cp("app-classpath.txt").split(":"))
    out = []
    for model in ["sync", "gthread", "virtual", "eventloop"]:
        for w in (1, 2):
            extra = ["--threads", str(args.threads)] if model == "gthread" else []
            handler = {"sync": "1 handler thread", "gthread": f"{args.threads} handler threads",
                       "virtual": "virtual threads on 2 carriers", "eventloop": "handlers on the I/O loops"}[model]
            out.append(Server(f"jgunicorn {model} w{w}",
                              lambda port, model=model, w=w, extra=extra: [
                                  java, "-jar", JAR, "-w", str(w), "-k", model, *extra, "-b", f"127.0.0.1:{port}", *ctl(port),
                                  "--classpath", app_cp, "dev.jgunicorn.bench.BenchApp"],
                              f"per worker: 2 I/O loops (one also accepts), {handler}", group="jgunicorn"))
    out.append(Server("jgunicorn eventloop w1 io1",
                      lambda port: [java, "-jar", JAR, "-w", "1", "-k", "eventloop", "--io-threads", "1",
                                    "-b", f"127.0.0.1:{port}", *ctl(port),
                                    "--classpath", app_cp, "dev.jgunicorn.bench.BenchApp"],
                      "1 I/O loop that accepts and serves (--io-threads 1)", group="jgunicorn"))
    idle = "-Dsun.net.httpserver.maxIdleConnections=4096"
    out.append(Server("jdk httpserver fixed", lambda port: [java, idle, "-cp", cp, "dev.jgunicorn.bench.SpiServer",
                                                            "jdk", str(port), f"fixed:{args.threads}"],
                      f"1 dispatcher + {args.threads} pool threads"))
    out.append(Server("jdk httpserver virtual", lambda port: [java, idle, "-cp", cp, "dev.jgunicorn.bench.SpiServer",
                                                              "jdk", str(port), "virtual"],
                      "1 dispatcher + virtual threads on 2 carriers"))
    out.append(Server("robaho httpserver fixed", lambda port: [java, "-cp", cp, "dev.jgunicorn.bench.SpiServer",
                                                               "robaho", str(port), f"fixed:{args.threads}"],
                      f"robaho/httpserver: 1 dispatcher + {args.threads} pool threads"))
    out.append(Server("robaho httpserver virtual", lambda port: [java, "-cp", cp, "dev.jgunicorn.bench.SpiServer",
                                                                 "robaho", str(port), "virtual"],
                      "robaho/httpserver: 1 dispatcher + virtual threads on 2 carriers"))
    out.append(Server("jetty 12 http-spi", lambda port: [java, "-cp", cp, "dev.jgunicorn.bench.SpiServer",
                                                         "jetty", str(port), "default"],
                      "QueuedThreadPool (max 200; 1 acceptor + 1 selector on 2 CPUs)"))
    h2c = ["--http-protocols", "h2,h1", "--http2-cleartext", "both"]
    for model, extra, doc in [("gthread", ["--threads", str(args.threads)], f"{args.threads} handler threads"),
                              ("virtual", [], "virtual threads on 2 carriers"),
                              ("eventloop", [], "handlers on the 2 I/O loops"),
                              ("eventloop", ["--io-threads", "1"], "handlers on 1 I/O loop (--io-threads 1)")]:
        io1 = " io1" if "--io-threads" in extra else ""
        out.append(Server(f"jgunicorn {model} w1{io1} h2c",
                          lambda port, model=model, extra=extra: [
                              java, "-jar", JAR, "-w", "1", "-k", model, *extra, *h2c, "-b", f"127.0.0.1:{port}",
                              *ctl(port), "--classpath", app_cp, "dev.jgunicorn.bench.BenchApp"],
                          f"h2c: {doc}", group="jgunicorn", proto="h2"))
    out.append(Server("jetty 12 http-spi h2c", lambda port: [java, "-cp", cp, "dev.jgunicorn.bench.SpiServer",
                                                             "jetty-h2c", str(port), "default"],
                      "h2c: QueuedThreadPool (max 200)", proto="h2"))
    for loops in (1, 2):
        out.append(Server(f"netty raw h2c {loops} loop{'s' if loops > 1 else ''}",
                          lambda port, loops=loops: [java, "-cp", cp, "dev.jgunicorn.bench.NettyH2Hello", str(port), str(loops)],
                          f"h2c: {loops} event loop{'s' if loops > 1 else ''} (accept and serve)", proto="h2"))
    out.append(Server("netty raw 1 loop", lambda port: [java, "-cp", cp, "dev.jgunicorn.bench.NettyHello", str(port), "1"],
                      "1 event loop (accepts and serves)"))
    out.append(Server("netty raw 2 loops", lambda port: [java, "-cp", cp, "dev.jgunicorn.bench.NettyHello", str(port), "2"],
                      "2 event loops (accepts and serves)"))
    venv = os.path.join(CACHE, "venv", "bin")
    wsgi = ["--chdir", os.path.join(BENCH, "apps"), "--log-level", "warning"]
    out.append(Server("gunicorn gthread w2",
                      lambda port: [os.path.join(venv, "gunicorn"), "-w", "2", "-k", "gthread", "--threads",
                                    str(args.threads), "-b", f"127.0.0.1:{port}", *wsgi, "wsgi_hello:app"],
                      f"2 worker processes x {args.threads} threads"))
    out.append(Server("gunicorn gevent w2",
                      lambda port: [os.path.join(venv, "gunicorn"), "-w", "2", "-k", "gevent",
                                    "--worker-connections", "1000", "-b", f"127.0.0.1:{port}", *wsgi, "wsgi_hello:app"],
                      "2 worker processes x greenlets", optional=True,
                      setup=lambda: os.path.exists(os.path.join(venv, "python")) and subprocess.run(
                          [os.path.join(venv, "python"), "-c", "import gevent"], capture_output=True).returncode == 0))
    out.append(Server("nginx return 200 w1", nginx_cmd, "1 worker process (+ master)"))
    return out


def nginx_cmd(port):
    d = tempfile.mkdtemp(prefix="nginx-", dir=RUN_DIR)
    with open(os.path.join(d, "big.txt"), "wb") as f:
        b = bytearray(b"x" * 65536)
        for i in range(63, 65536, 64):
            b[i] = 10
        f.write(b)
    user = "user root;" if os.geteuid() == 0 else ""  # the run directory is private to this user
    conf = f"""
{user}
worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {d}; proxy_temp_path {d}; fastcgi_temp_path {d}; uwsgi_temp_path {d}; scgi_temp_path {d};
  keepalive_requests 100000000;
  keepalive_timeout 75s;
  server {{
    listen 127.0.0.1:{port} backlog=1024;
    location = /json {{ default_type application/json; return 200 '{{"message":"Hello, World!"}}'; }}
    location = /big {{ default_type text/plain; alias {d}/big.txt; }}
    location / {{ default_type text/plain; return 200 'Hello, World!'; }}
  }}
}}
"""
    with open(os.path.join(d, "nginx.conf"), "w") as f:
        f.write(conf)
    return [shutil.which("nginx") or "/usr/sbin/nginx", "-p", d, "-e", os.path.join(d, "error.log"),
            "-c", os.path.join(d, "nginx.conf")]


# ---- one server's turn -------------------------------------------------------------------------------------------

def scenarios(args):
    """(label, path, connections, close, streams) in the order they run; streams (per connection) is set for the
    HTTP/2 scenarios, which only h2 servers run, and None for the wrk ones, which only h1 servers run."""
    out = []
    for c in args.connections:
        out.append((f"hello c{c}", "/", c, False, None))
    c0 = args.connections[0]
    if args.smoke:  # 4 connections: only whether each server answers is checked, and a cold Jetty stalls for a
        # minute and more when 64 connections open 100 streams each at once
        return out[:1] + [(f"h2 m{args.h2_streams[-1]} c4", "/", 4, False, args.h2_streams[-1])]
    out += [(f"h2 m{m} c{c0}", "/", c0, False, m) for m in args.h2_streams]
    if "close" in args.scenarios:
        out.append((f"close c{c0}", "/", c0, True, None))
    if "json" in args.scenarios:
        out.append((f"json c{c0}", "/json", c0, False, None))
    if "big" in args.scenarios:
        out.append((f"64k c{c0}", "/big", c0, False, None))
    return out


class Running:
    """A started server: its process, port and results."""

    def __init__(self, s, port, proc, log_path, t0):
        self.s, self.port, self.proc, self.log_path, self.t0 = s, port, proc, log_path, t0
        self.res = {"name": s.name, "threads_doc": s.threads_doc, "runs": {}, "rounds": {}}


def boot(s, args, log_dir):
    port = free_port()
    log_path = os.path.join(log_dir, re.sub(r"\W+", "-", s.name) + ".log")
    env = dict(os.environ)
    env["XDG_CACHE_HOME"] = os.path.join(CACHE, "xdg")
    with open(log_path, "wb") as log:
        p = start(s.cmd(port), log, env=env, pin=args.server_cpus)
    return Running(s, port, p, log_path, time.monotonic())


def await_boot(r):
    ready = wait_ready(r.port, r.proc, 180, h2=r.s.proto == "h2")
    if ready is None:
        r.res["error"] = f"did not answer GET / (log: {r.log_path})"
        return False
    r.res["boot_s"] = round(time.monotonic() - r.t0, 2)
    return True


def idle_rss(r):
    family = tree(r.proc.pid)
    r.res["idle"] = {"rss_kib": sum(rss_kib(q) for q in family), "procs": len(family),
                     "per_proc_kib": [rss_kib(q) for q in family]}


def takes_part(r, streams):
    """Whether a server takes part in a scenario: HTTP/2 ones (streams set) for h2 servers, wrk ones for the others."""
    return (streams is not None) == (r.s.proto == "h2")


def measure(r, args, label, path, conns, close, streams=None):
    """One wrk (or, with streams, h2load) run against a running server, with the CPU each party used meanwhile."""
    p = r.proc
    table = proc_table()
    family = tree(p.pid, table)
    srv0, (busy0, total0), kids0 = cpu_ticks(family, table), machine_busy(), children_cpu()
    if streams is None:
        x = wrk(r.port, path, conns, args.duration, args.wrk_threads, close, pin=args.wrk_cpus)
    else:
        x = h2load(r.port, path, conns, streams, args.duration, args.wrk_threads, pin=args.wrk_cpus)
    table = proc_table()
    family = tree(p.pid, table)
    srv1, (busy1, total1), kids1 = cpu_ticks(family, table), machine_busy(), children_cpu()
    secs = x["duration_us"] / 1e6
    wall_ticks = (total1 - total0) / os.cpu_count()  # ticks per CPU during the run
    x["rps"] = x["requests"] / secs if secs else 0
    x["errors"] = x["connect"] + x["read"] + x["write"] + x["timeout"] + x["status"]
    x["rss_kib"] = sum(rss_kib(q) for q in family)
    x["threads"] = sum(threads(q) for q in family)
    x["procs"] = len(family)
    x["srv_cpu"] = (srv1 - srv0) / wall_ticks if wall_ticks else 0
    x["wrk_cpu"] = (kids1 - kids0) / secs if secs else 0
    x["other_cpu"] = max(0.0, (busy1 - busy0) / wall_ticks - x["srv_cpu"] - x["wrk_cpu"]) if wall_ticks else 0
    x["load1"] = loadavg().split()[0]
    r.res["rounds"].setdefault(label, []).append(x)
    if p.poll() is not None:
        r.res["error"] = "server exited during the load"
    return x


def summarise(r):
    """Per scenario: the round with the median req/s, plus the best req/s and the errors of all rounds."""
    for label, xs in r.res["rounds"].items():
        ordered = sorted(xs, key=lambda x: x["rps"])
        m = dict(ordered[(len(ordered) - 1) // 2])
        m["best_rps"] = ordered[-1]["rps"]
        m["all_rps"] = [round(x["rps"]) for x in xs]
        m["errors"] = sum(x["errors"] for x in xs)
        m["requests_all"] = sum(x["requests"] for x in xs)
        r.res["runs"][label] = m


# ---- worker start-up ---------------------------------------------------------------------------------------------

def age_s(pid):
    """Seconds since the process started (from /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            up = float(f.read().split()[0])
        return up - start_ticks / CLK
    except (OSError, ValueError, IndexError):
        return 0.0


def worker_pids(master):
    return [q for q in tree(master) if q != master]


# issue 17: a replacement worker's first answer (median) and an idle worker's RSS
STARTUP_TARGET_MS = 300
IDLE_WORKER_TARGET_KIB = 64 * 1024


def cpu_ms(pid):
    """The process's CPU time (user + system) so far, in ms: what its start-up cost, whatever CPU it got."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return round((int(fields[11]) + int(fields[12])) * 1000 / CLK)
    except (OSError, ValueError, IndexError):
        return None


def max_heap(pid):
    """The -Xmx on a worker's command line (the master's default or the user's)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            xmx = [a for a in f.read().decode(errors="replace").split("\0") if a.startswith("-Xmx")]
        return xmx[-1][4:] if xmx else None
    except OSError:
        return None


def startup(args, log_dir, reps):
    """jgunicorn -w 1: cold start to the first answer, then a killed worker's replacement to its first answer (and the
    CPU its JVM spent to get there), the idle worker's RSS, and its RSS after a few seconds of load."""
    java = os.path.join(os.environ["JAVA_HOME"], "bin", "java")
    out = {}
    # the last mode is the lean option docs/workers.md offers: C1 only, for memory over peak throughput
    for label, name, flags in (("without --preload", "startup", []), ("with --preload", "startup-preload", ["--preload"]),
                               ("--preload, C1 only", "startup-c1", ["--preload", "--jvm-arg=-XX:TieredStopAtLevel=1"])):
        port = free_port()
        env = dict(os.environ)
        env["XDG_CACHE_HOME"] = os.path.join(CACHE, "xdg")
        log_path = os.path.join(log_dir, name + ".log")
        with open(log_path, "wb") as log:
            t0 = time.monotonic()
            p = start([java, "-jar", JAR, "-w", "1", "-k", "eventloop", *flags, *args.startup_args, "-b", f"127.0.0.1:{port}", *ctl(port),
                       "dev.jgunicorn.demo.Hello"], log, env=env)
            try:
                first = wait_ready(port, p, 120)
                if first is None:
                    out[label] = {"error": f"no answer (log {log_path})"}
                    continue
                # replacements are timed once the master's class-data archive is in place (docs/operations.md):
                # made by a training run after the first worker serves, unless cached from an earlier run
                archive_wait = time.monotonic()
                while time.monotonic() - archive_wait < 120 and not re.search(
                        r" made in | start from the class-data archive|without an archive|without one", open(log_path, errors="replace").read()):
                    time.sleep(0.2)
                time.sleep(1.0)
                ws = worker_pids(p.pid)
                idle_worker = rss_kib(ws[0]) if ws else 0
                master_rss = rss_kib(p.pid)
                replace, replace_cpu = [], []
                for _ in range(reps):
                    ws = worker_pids(p.pid)
                    if len(ws) != 1:
                        break
                    w = ws[0]
                    # the master pauses before restarting workers that die within 10 s of starting (crash backoff):
                    # kill only workers older than that, so each replacement starts at once
                    while not args.smoke and age_s(w) < 11.0:  # the smoke test only needs an answer
                        time.sleep(0.1)
                    t1 = time.monotonic()
                    os.kill(w, signal.SIGKILL)  # a worker this run started (the master is our child)
                    while status_field(w, "State") not in (None, "Z"):
                        time.sleep(0.001)
                    try:
                        status, body = get(port, "/", timeout=60)  # waits in the master's listen queue
                        ok = status == 200 and body == HELLO
                    except OSError:
                        ok = False
                    replace.append(round((time.monotonic() - t1) * 1000) if ok else None)
                    new = worker_pids(p.pid)
                    replace_cpu.append(cpu_ms(new[0]) if len(new) == 1 else None)
                ws = worker_pids(p.pid)
                loaded_worker = None
                if ws and shutil.which("wrk"):
                    wrk(port, "/", 64, 1 if args.smoke else 5, args.wrk_threads, pin=args.wrk_cpus)
                    loaded_worker = rss_kib(ws[0])
                out[label] = {"cold_first_answer_ms": round(first * 1000), "since_spawn_ms": round((time.monotonic() - t0) * 1000),
                              "replacement_first_answer_ms": replace, "replacement_cpu_ms": replace_cpu,
                              "idle_worker_rss_kib": idle_worker, "loaded_worker_rss_kib": loaded_worker,
                              "worker_max_heap": max_heap(ws[0]) if ws else None, "master_rss_kib": master_rss}
            finally:
                stop(p)
        with open(log_path, errors="replace") as f:
            out[label]["booted_ms"] = [int(m) for m in re.findall(r"booted in (\d+) ms", f.read())]
    return out


# ---- report ------------------------------------------------------------------------------------------------------

def print_startup(start_res, md):
    """Each mode's start-up and memory, then issue 17's targets next to the measured values."""
    print("\n### worker start-up\n" if md else "== worker start-up ==")
    for label, x in start_res.items():
        rep = x.get("replacement_first_answer_ms") or []
        ok = [v for v in rep if v is not None]
        med = f"{statistics.median(ok):.0f}" if ok else "-"
        loaded = x.get("loaded_worker_rss_kib")
        print(f"{'- ' if md else ''}{label}: cold start to first answer {x.get('cold_first_answer_ms')} ms; "
              f"killed worker to first answer of its replacement: median {med} ms of {rep} "
              f"(its JVM's CPU ms by then: {x.get('replacement_cpu_ms')}); "
              f"master log 'booted in': {x.get('booted_ms')} ms; worker -Xmx{x.get('worker_max_heap')}, RSS idle "
              f"{x.get('idle_worker_rss_kib', 0) / 1024:.0f} MiB, after load "
              f"{f'{loaded / 1024:.0f} MiB' if loaded else '-'}; master {x.get('master_rss_kib', 0) / 1024:.0f} MiB")
    print("\n### start-up targets\n" if md else "== start-up targets ==")
    if md:
        print("| target | mode | measured | met |")
        print("|---|---|---:|---|")
    for label, x in start_res.items():
        ok = [v for v in x.get("replacement_first_answer_ms") or [] if v is not None]
        rows = [(f"replacement worker's first answer <= {STARTUP_TARGET_MS} ms (median)",
                 f"{statistics.median(ok):.0f} ms" if ok else "-", bool(ok) and statistics.median(ok) <= STARTUP_TARGET_MS),
                (f"idle worker RSS <= {IDLE_WORKER_TARGET_KIB // 1024} MiB", f"{x.get('idle_worker_rss_kib', 0) / 1024:.0f} MiB",
                 0 < x.get("idle_worker_rss_kib", 0) <= IDLE_WORKER_TARGET_KIB),
                ("worker heap bounded by default", f"-Xmx{x.get('worker_max_heap')}", x.get("worker_max_heap") is not None)]
        for what, value, met in rows:
            yes = "met" if met else "not met"
            print(f"| {what} | {label} | {value} | {yes} |" if md else f"{what:52} {label:18} {value:>10}  {yes}")


def fmt_ms(us):
    return f"{us / 1000:.2f}" if us < 100_000 else f"{us / 1000:.0f}"


def cpu_per_request(r, label):
    """Server CPU microseconds per request over all rounds: what a request costs, whatever CPU the server got."""
    xs = r.get("rounds", {}).get(label) or [r["runs"][label]]
    cpu = sum(x["srv_cpu"] * x["duration_us"] for x in xs)  # core-microseconds
    n = sum(x["requests"] for x in xs)
    return cpu / n if n else 0.0


def print_tables(results, labels, md):
    for label in labels:
        rows = [r for r in results if "runs" in r and label in r["runs"]]
        if not rows:
            continue
        head = f"== {label} =="
        print(head if not md else f"\n### {label}\n")
        if md:
            print("| server | req/s (median) | best | p50 ms | p99 ms | errors | RSS MiB | threads | server CPU | wrk CPU | other CPU | server CPU us/req |")
            print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        else:
            print(f"{'server':30} {'req/s':>9} {'best':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'RSS MiB':>8} {'thr':>4} "
                  f"{'srvCPU':>6} {'wrkCPU':>6} {'other':>6} {'us/req':>7}")
        for r in rows:
            x = r["runs"][label]
            cells = [r["name"], f"{x['rps']:.0f}", f"{x['best_rps']:.0f}", fmt_ms(x["p50_us"]), fmt_ms(x["p99_us"]), str(x["errors"]),
                     f"{x['rss_kib'] / 1024:.0f}", str(x["threads"]), f"{x['srv_cpu']:.2f}", f"{x['wrk_cpu']:.2f}",
                     f"{x['other_cpu']:.2f}", f"{cpu_per_request(r, label):.1f}"]
            if md:
                print("| " + " | ".join(cells) + " |")
            else:
                print(f"{cells[0]:30} {cells[1]:>9} {cells[2]:>9} {cells[3]:>8} {cells[4]:>8} {cells[5]:>7} {cells[6]:>8} "
                      f"{cells[7]:>4} {cells[8]:>6} {cells[9]:>6} {cells[10]:>6} {cells[11]:>7}")
    for r in results:
        if "error" in r:
            print(f"FAILED {r['name']}: {r['error']}")


TARGETS = [  # issue 7: (what, server, peer, minimum ratio of req/s)
    ("eventloop >= 0.9x raw Netty, 1 loop each", "jgunicorn eventloop w1 io1", "netty raw 1 loop", 0.9),
    ("eventloop >= 0.9x raw Netty, 2 loops each", "jgunicorn eventloop w1", "netty raw 2 loops", 0.9),
    ("eventloop >= 0.85x nginx, 1 loop / 1 worker", "jgunicorn eventloop w1 io1", "nginx return 200 w1", 0.85),
    ("gthread >= 1.3x JDK HttpServer (fixed pool)", "jgunicorn gthread w1", "jdk httpserver fixed", 1.3),
    ("gthread >= 1.4x Jetty http-spi", "jgunicorn gthread w1", "jetty 12 http-spi", 1.4),
    ("virtual >= 1.3x JDK HttpServer (virtual)", "jgunicorn virtual w1", "jdk httpserver virtual", 1.3),
    ("virtual >= 1.4x Jetty http-spi", "jgunicorn virtual w1", "jetty 12 http-spi", 1.4),
    # issue 19: the fastest drop-in provider, at equal threads
    ("gthread >= 1.1x robaho/httpserver (fixed pool)", "jgunicorn gthread w1", "robaho httpserver fixed", 1.1),
    ("virtual >= 1.1x robaho/httpserver (virtual)", "jgunicorn virtual w1", "robaho httpserver virtual", 1.1),
]


H2_TARGETS = [  # issue 15: (what, server, peer, minimum ratio of req/s), at each h2 scenario
    ("h2c eventloop >= 0.9x raw Netty h2c, 1 loop each", "jgunicorn eventloop w1 io1 h2c", "netty raw h2c 1 loop", 0.9),
    ("h2c eventloop >= 0.9x raw Netty h2c, 2 loops each", "jgunicorn eventloop w1 h2c", "netty raw h2c 2 loops", 0.9),
    ("h2c gthread ahead of Jetty h2c", "jgunicorn gthread w1 h2c", "jetty 12 http-spi h2c", 1.0),
    ("h2c virtual ahead of Jetty h2c", "jgunicorn virtual w1 h2c", "jetty 12 http-spi h2c", 1.0),
]


def print_h2_targets(results, md):
    by = {r["name"]: r for r in results if "runs" in r}
    for label in dict.fromkeys(l for r in results for l in r.get("runs", {}) if l.startswith("h2 ")):
        print(f"\n### HTTP/2 targets ({label}, median req/s of the rounds)\n" if md else f"== HTTP/2 targets ({label}) ==")
        if md:
            print("| target | ratio (median req/s) | ratio (best req/s) | CPU per request, jgunicorn / peer | met |")
            print("|---|---:|---:|---:|---|")
        for what, a, b, want in H2_TARGETS:
            if label not in by.get(a, {}).get("runs", {}) or label not in by.get(b, {}).get("runs", {}):
                continue
            x, y = by[a]["runs"][label], by[b]["runs"][label]
            ratio = x["rps"] / y["rps"] if y["rps"] else 0
            best = x["best_rps"] / y["best_rps"] if y.get("best_rps") else 0
            cpu = f"{cpu_per_request(by[a], label):.1f} / {cpu_per_request(by[b], label):.1f}"
            met = "yes" if ratio >= want else "no"
            if md:
                print(f"| {what} | {ratio:.2f} | {best:.2f} | {cpu} | {met} |")
            else:
                print(f"{what:52} {ratio:5.2f} (best {best:4.2f})  CPU/req {cpu}  {met}")


def print_targets(results, md):
    by = {r["name"]: r for r in results if "runs" in r}
    label = next((l for r in results for l in r.get("runs", {}) if l.startswith("hello c")), None)
    if not label:
        return
    print(f"\n### targets ({label}, median req/s of the rounds; CPU = server CPU us per request)\n" if md
          else f"== targets ({label}) ==")
    if md:
        print("| target | ratio (median req/s) | ratio (best req/s) | CPU per request, jgunicorn / peer | met |")
        print("|---|---:|---:|---:|---|")
    for what, a, b, want in TARGETS:
        if a not in by or b not in by or label not in by[a]["runs"] or label not in by[b]["runs"]:
            continue
        x, y = by[a]["runs"][label], by[b]["runs"][label]
        ratio = x["rps"] / y["rps"] if y["rps"] else 0
        best = x["best_rps"] / y["best_rps"] if y.get("best_rps") else 0
        cpu = f"{cpu_per_request(by[a], label):.1f} / {cpu_per_request(by[b], label):.1f}"
        met = "yes" if ratio >= want else "no"
        if md:
            print(f"| {what} | {ratio:.2f} | {best:.2f} | {cpu} | {met} |")
        else:
            print(f"{what:48} {ratio:5.2f} (best {best:4.2f})  CPU/req {cpu}  {met}")
    for lbl in [l for l in dict.fromkeys(l for r in results for l in r.get("runs", {})) if l.startswith("hello c")]:
        errs = {r["name"]: r["runs"][lbl]["errors"] for r in results if lbl in r.get("runs", {}) and r["name"].startswith("jgunicorn")}
        bad = {k: v for k, v in errs.items() if v}
        print(f"{'- ' if md else ''}jgunicorn errors at {lbl}: " + (", ".join(f"{k} {v}" for k, v in bad.items()) if bad else "none"))
    if "hello c64" in by.get("jetty 12 http-spi", {}).get("runs", {}):
        j = by["jetty 12 http-spi"]["runs"]["hello c64"]["p99_us"]
        worse = [r["name"] for r in results if r["name"].startswith("jgunicorn") and "hello c64" in r.get("runs", {})
                 and r["runs"]["hello c64"]["p99_us"] > j]
        print(f"{'- ' if md else ''}p99 at 64 connections worse than Jetty's ({fmt_ms(j)} ms): " + (", ".join(worse) if worse else "none"))


def print_idle(results, md):
    print("\n### idle after boot\n" if md else "== idle after boot ==")
    if md:
        print("| server | processes | RSS MiB (sum) | per process MiB | threads (under load) | boot to first answer s |")
        print("|---|---:|---:|---|---:|---:|")
    for r in results:
        if "idle" not in r:
            continue
        i = r["idle"]
        per = " + ".join(f"{k / 1024:.0f}" for k in i["per_proc_kib"])
        thr = next(iter(r["runs"].values()), {}).get("threads", "")
        if md:
            print(f"| {r['name']} | {i['procs']} | {i['rss_kib'] / 1024:.0f} | {per} | {thr} | {r.get('boot_s')} |")
        else:
            print(f"{r['name']:30} procs={i['procs']} rss={i['rss_kib'] / 1024:.0f} MiB ({per}) boot={r.get('boot_s')} s  [{r['threads_doc']}]")


def main():
    ap = argparse.ArgumentParser(prog="bench/run", description=__doc__)
    ap.add_argument("--smoke", action="store_true", help="each server 1 s at the first connection count; asserts every server answered")
    ap.add_argument("--duration", type=int, default=None, help="seconds of load per scenario (default 10; 1 with --smoke)")
    ap.add_argument("--warmup", type=int, default=3, help="seconds of warm-up load before measuring (default 3; 0 with --smoke)")
    ap.add_argument("--connections", default="64,256", help="comma-separated connection counts for the hello scenario")
    ap.add_argument("--h2-streams", default="1,100", help="HTTP/2 scenarios (h2load -m) at the first connection count: streams per connection (the smoke test runs the last)")
    ap.add_argument("--scenarios", default="close,json,big", help="extra scenarios at the first connection count: close,json,big")
    ap.add_argument("--servers", default="", help="comma-separated substrings: run only servers whose name contains one")
    ap.add_argument("--threads", type=int, default=4, help="handler threads for gthread, the JDK fixed pool and Gunicorn gthread")
    ap.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (default 1: one core for wrk, one for the server)")
    ap.add_argument("--server-cpus", default=None, help="taskset CPU list for servers (e.g. 0); default: unpinned")
    ap.add_argument("--wrk-cpus", default=None, help="taskset CPU list for wrk (e.g. 1); default: unpinned")
    ap.add_argument("--startup-reps", type=int, default=None, help="worker replacements timed per --preload mode (default 3; 1 with --smoke; 0 skips)")
    ap.add_argument("--startup-args", action="append", default=[], metavar="ARG",
                    help="one more jgunicorn argument for the start-up check (repeatable), e.g. --startup-args=--jvm-arg=-Dio.netty.jfr.enabled=true")
    ap.add_argument("--rounds", type=int, default=None, help="rounds through all servers per scenario (default 3; 1 with --smoke)")
    ap.add_argument("--parallel-boot", action="store_true", help="start all servers before waiting for the first (faster, noisier boot times)")
    ap.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    ap.add_argument("--report", metavar="RESULTS_JSON", help="print the tables of an earlier run's results.json and exit")
    args = ap.parse_args()
    if args.report:
        with open(args.report) as f:
            saved = json.load(f)
        labels = list(dict.fromkeys(l for r in saved["results"] for l in r.get("runs", {})))
        print_tables(saved["results"], labels, args.markdown)
        print_targets(saved["results"], args.markdown)
        print_h2_targets(saved["results"], args.markdown)
        print_idle(saved["results"], args.markdown)
        if saved.get("startup"):
            print_startup(saved["startup"], args.markdown)
        return 0
    args.connections = [int(c) for c in args.connections.split(",") if c]
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    args.h2_streams = [int(m) for m in args.h2_streams.split(",") if m]
    if args.duration is None:
        args.duration = 1 if args.smoke else 5
    if args.rounds is None:
        args.rounds = 1 if args.smoke else 3
    if args.smoke:
        args.warmup = 0
    reps = args.startup_reps if args.startup_reps is not None else (1 if args.smoke else 3)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    atexit.register(stop_all)

    global RUN_DIR
    os.makedirs(CACHE, exist_ok=True)
    RUN_DIR = tempfile.mkdtemp(prefix="run-" + time.strftime("%Y%m%d-%H%M%S-"), dir=CACHE)
    chosen = [s for s in servers(args)
              if not args.servers or any(x.strip() and x.strip() in s.name for x in args.servers.split(","))]
    t_start = time.monotonic()
    print(f"bench: {len(chosen)} servers, scenarios {[l for l, *_ in scenarios(args)]}, {args.duration} s each, "
          f"{args.rounds} round(s), warm-up {args.warmup} s, wrk -t{args.wrk_threads}; logs in {RUN_DIR}", flush=True)
    print(f"bench: machine {os.cpu_count()} CPUs, load average {loadavg()} at start", flush=True)
    results, failed, skipped = [], [], []
    todo = []
    for s in chosen:
        if s.setup is not None and not s.setup():
            if s.optional:
                skipped.append(s.name)
                print(f"bench: {s.name}: skipped (not installed)", flush=True)
                continue
        todo.append(s)
    # All servers run at the same time, idle but one, so that rounds can interleave them: on a shared machine the
    # load of others drifts by minutes, and each server's rounds spread over the whole run instead of one slot.
    running = []
    for s in todo:
        running.append(boot(s, args, RUN_DIR))
        if not args.parallel_boot:
            await_boot(running[-1])
    if args.parallel_boot:
        for r in running:
            await_boot(r)
    time.sleep(1.0)  # multi-worker servers: let every worker finish booting
    live = [r for r in running if "error" not in r.res]
    for r in live:
        idle_rss(r)
    print(f"bench: {len(live)} of {len(running)} servers answer; load average {loadavg()}", flush=True)
    for r in live:
        if r.s.proto == "h2":
            # even the smoke test warms these: a cold JVM given thousands of streams at once can take longer to
            # answer the first of them than a short run lasts
            h2load(r.port, "/", 4, max(args.h2_streams), max(args.warmup, 1), args.wrk_threads, pin=args.wrk_cpus)
    if args.warmup > 0:
        for r in live:
            if r.s.proto == "h2":
                h2load(r.port, "/", args.connections[0], max(args.h2_streams), args.warmup, args.wrk_threads, pin=args.wrk_cpus)
                continue
            wrk(r.port, "/", args.connections[0], args.warmup, args.wrk_threads, pin=args.wrk_cpus)
            for label, path, conns, close, streams in scenarios(args):
                if path != "/" and streams is None:
                    wrk(r.port, path, conns, 1, args.wrk_threads, close, pin=args.wrk_cpus)
        print(f"bench: warmed up; load average {loadavg()}", flush=True)
    for rnd in range(args.rounds):
        order = live if rnd % 2 == 0 else list(reversed(live))
        for label, path, conns, close, streams in scenarios(args):
            for r in order:
                if "error" in r.res or not takes_part(r, streams):
                    continue
                x = measure(r, args, label, path, conns, close, streams)
                print(f"round {rnd + 1} {label:10} {r.s.name:28} {x['rps']:>9.0f} req/s  p50 {fmt_ms(x['p50_us'])} ms  "
                      f"p99 {fmt_ms(x['p99_us'])} ms  errors {x['errors']}  srv/wrk/other CPU {x['srv_cpu']:.2f}/"
                      f"{x['wrk_cpu']:.2f}/{x['other_cpu']:.2f}  (load {x['load1']})", flush=True)
    for r in running:
        stop(r.proc)
        summarise(r)
        results.append(r.res)
        runs = r.res.get("runs", {})
        answered = bool(runs) and all(x["requests_all"] > x["status"] for x in runs.values())
        if "error" in r.res or not answered:
            failed.append(r.s.name)
    start_res = None
    if reps > 0 and (not args.servers or "startup" in args.servers):
        print("bench: worker start-up (jgunicorn -w 1 -k eventloop, Hello), without and with --preload, and C1 only", flush=True)
        start_res = startup(args, RUN_DIR, reps)
        for label, x in start_res.items():
            print(f"startup {label}: {x}", flush=True)
            if "error" in x or not x.get("replacement_first_answer_ms") or None in x["replacement_first_answer_ms"]:
                failed.append(f"startup {label}")
    print(f"bench: load average {loadavg()} at end; {time.monotonic() - t_start:.0f} s", flush=True)
    print()
    labels = [l for l, *_ in scenarios(args)]
    print_tables(results, labels, args.markdown)
    print_targets(results, args.markdown)
    print_h2_targets(results, args.markdown)
    print_idle(results, args.markdown)
    if start_res:
        print_startup(start_res, args.markdown)
    with open(os.path.join(RUN_DIR, "results.json"), "w") as f:
        json.dump({"args": vars(args), "results": results, "startup": start_res, "skipped": skipped}, f, indent=1)
    print(f"\nbench: results in {os.path.join(RUN_DIR, 'results.json')}")
    total = len(results) + (len(start_res) if start_res else 0)
    print(f"bench: {total - len(failed)} passed, {len(failed)} failed" + (f", {len(skipped)} skipped" if skipped else ""))
    if failed:
        print("bench: no answer from: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


RUN_DIR = CACHE

if __name__ == "__main__":
    sys.exit(main())
