"""Benchmark of the partner API under load: the scores list against the trivial authenticated view, over HTTP.

Run from the repository root with the project's virtualenv (needs ``wrk``: ``apt-get install -y wrk``)::

    .venv/bin/python bench/api.py                        # ~1.5 min once the database is ready
    .venv/bin/python bench/api.py --clients 50 --seconds 30
    .venv/bin/python bench/api.py --skip-setup           # the bench database is already scored

What it does (see bench/README.md):

* prepares the PostgreSQL database ``clusterplatform_bench`` as bench/score_run.py does (created if missing,
  ``migrate``, ``load_reference_data``), scores us-msas and us-states for 2016 unless identical scores exist
  (``score_region_set`` reuses them), runs ``VACUUM ANALYZE`` on the score tables (the steady state autovacuum
  reaches), creates the organisation ``bench-partner`` (idempotent) and a fresh read key for it
  (``create_api_key --quiet``; keys are shown once, so every run makes one);
* starts the app in production mode under gunicorn (``DEBUG=false``, ``--workers`` = CPUs, sync workers as the
  Dockerfile runs them; ``--threads N`` > 1 gives gthread workers with keep-alive) on a free port of 127.0.0.1,
  with the Django cache and the throttle counters in Redis db 5 (flushed before and after; no other db is
  touched) and a partner rate that is exercised on every request but never trips;
* drives ``wrk`` with ``--clients`` connections (sync workers close each after one answer) for ``--warmup``
  seconds (discarded) and then
  ``--seconds`` seconds (measured) against each target, with ``Authorization: Api-Key <key>``:
  ``GET /api/v1/scores/`` (the first page of 100 — the default listing: the latest succeeded run of every
  subject the key can see) and ``GET /api/v1/ping/``. A Lua hook counts every response's status: any
  non-200 response, socket error or timeout fails the bench;
* prints requests/s, latency p50/p95/p99 (wrk's histogram, closed loop: each client sends its next request
  when the previous answer arrives), errors, the CPU each party used (gunicorn, PostgreSQL, Redis, wrk) and the
  checks: scores list ≥ 50% of the ping's throughput, scores list p99 ≤ 100 ms at 20 clients. Last line: one
  JSON object.

gunicorn, PostgreSQL, Redis and wrk share the machine's cores; the CPU table shows how much the client took.
The server is always stopped (SIGTERM, then SIGKILL of its process group), also on errors and Ctrl-C.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contextlib

from score_run import (  # noqa: E402 - the sibling bench, found through the path set just above
    DATABASE_URL,
    DB_NAME,
    REPO,
    THREADS,
    BenchError,
    connect,
    environment,
    load,
    log,
    manage,
    uptime,
)

REDIS_URL = "redis://127.0.0.1:6379/5"
YEAR = 2016
REGION_SETS = ("us-msas", "us-states")
ORG_SLUG, ORG_NAME = "bench-partner", "Bench partner"
# High enough never to trip, so every request is still counted by the throttle in Redis (INCR of its window's
# counter, GET of the previous window's), as in production.
DEFAULT_RATE = "100000000/min"
TARGETS = {"scores": "/api/v1/scores/", "ping": "/api/v1/ping/"}
RATIO_TARGET = 0.5
P99_TARGET_MS = 100.0
P99_TARGET_CLIENTS = 20

# wrk script: the key comes as the script's argument; every response's status is counted per thread and the
# threads' counts are summed in done(), which prints one JSON line with the figures (latencies in µs).
WRK_SCRIPT = r"""
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  wrk.headers["Authorization"] = "Api-Key " .. args[1]
  wrk.headers["Accept"] = "application/json"
  ok, other, other_status = 0, 0, 0
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
  else
    other = other + 1
    other_status = status
  end
end

function done(summary, latency, requests)
  local ok_all, other_all, last = 0, 0, 0
  for _, thread in ipairs(threads) do
    ok_all = ok_all + thread:get("ok")
    other_all = other_all + thread:get("other")
    if thread:get("other_status") ~= 0 then last = thread:get("other_status") end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "duration_us": %d, "bytes": %d, "ok": %d, "non200": %d, "non200_status": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, "mean_us": %.1f, "p50_us": %d, ' ..
    '"p90_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, ok_all, other_all, last, e.connect, e.read, e.write,
    e.status, e.timeout, latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max))
end
"""


# ----------------------------------------------------------------------------------------------------------------
# The bench database and the key
# ----------------------------------------------------------------------------------------------------------------


def prepare(skip_setup: bool) -> str:
    """Database, reference data, scores (reused when unchanged), organisation; returns a fresh read key."""
    env = environment(eager=True)
    if not skip_setup:
        with connect("postgres") as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone():
                log(f"creating database {DB_NAME}")
                conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        manage(["migrate", "--no-input", "-v", "0"], env, 600, "migrate")
        out, wall = manage(["load_reference_data"], env, 900, "load_reference_data")
        total = next((line for line in out.splitlines() if line.startswith("Total:")), "")
        log(f"reference data: {total} ({wall:.1f} s)")
        for slug in REGION_SETS:
            out, wall = manage(
                ["score_region_set", "--region-set", slug, "--year", str(YEAR), "--timeout", "600"],
                env,
                900,
                f"score_region_set {slug}",
            )
            log(f"{slug} {YEAR}: {out.strip().splitlines()[0]} ({wall:.1f} s)")
    with connect() as conn:
        # A score run COPYs ~61,000 rows at once. Until autovacuum gets to them the planner has no statistics (the
        # page query then joins every score before sorting: ~140 ms instead of ~0.5 ms) and no visibility map (the
        # COUNT cannot scan the run_id index only). The bench measures the steady state, so it vacuums and analyses
        # the two tables itself (about a second the first time, less afterwards).
        t0 = time.perf_counter()
        for table in ("assessments_scorerun", "assessments_score"):
            conn.execute(f"VACUUM ANALYZE {table}")
        log(f"VACUUM ANALYZE assessments_scorerun, assessments_score ({time.perf_counter() - t0:.1f} s)")
    out, _ = manage(["create_organisation", "--slug", ORG_SLUG, "--name", ORG_NAME], env, 120, "create_organisation")
    log(out.strip())
    out, _ = manage(
        ["create_api_key", "--org", ORG_SLUG, "--name", "bench", "--scope", "read", "--quiet"],
        env,
        120,
        "create_api_key",
    )
    key = out.strip().splitlines()[-1]
    log(f"read key {key.partition('.')[0]}… for {ORG_SLUG}")
    return key


def flush_redis() -> None:
    """Empty Redis db 5 (the server's cache and throttle counters during the bench) — that database only."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        client.flushdb()
    finally:
        client.close()


def throttle_counted() -> int:
    """Requests the partner throttle has counted in its current and previous windows (one counter each)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        return sum(int(client.get(key) or 0) for key in client.scan_iter("*throttle_partner*"))
    finally:
        client.close()


# ----------------------------------------------------------------------------------------------------------------
# The server
# ----------------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, key: str, timeout: float = 10) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Authorization": f"Api-Key {key}", "Accept": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Server:
    """gunicorn in production mode on 127.0.0.1:<port>, in its own session; always stopped on exit."""

    def __init__(self, workers: int, threads: int, rate: str, logfile: Path):
        self.workers, self.threads, self.rate, self.logfile = workers, threads, rate, logfile
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def environment(self) -> dict:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("CELERY_", "DJANGO_"))}
        env.update(
            DATABASE_URL=DATABASE_URL,
            DJANGO_SETTINGS_MODULE="clusterplatform.settings",
            DEBUG="false",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="false",  # plain http on the loopback, no TLS proxy in front
            BEHIND_TLS_PROXY="false",
            NUM_PROXIES="0",
            CONN_MAX_AGE="60",
            REDIS_URL=REDIS_URL,
            CACHE_URL=REDIS_URL,  # explicit: CACHE_URL wins over REDIS_URL, and a developer's .env could set it
            API_RATE_PARTNER=self.rate,
            OPENBLAS_NUM_THREADS=THREADS,
            OMP_NUM_THREADS=THREADS,
            MKL_NUM_THREADS=THREADS,
            PYTHONUNBUFFERED="1",
        )
        return env

    def command(self) -> list[str]:
        gunicorn = Path(sys.executable).parent / "gunicorn"
        worker_class = "gthread" if self.threads > 1 else "sync"
        return [
            str(gunicorn), "clusterplatform.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers), "--worker-class", worker_class, "--threads", str(self.threads),
            "--timeout", "60", "--error-logfile", str(self.logfile), "--log-level", "warning",
        ]  # fmt: skip

    def __enter__(self):
        with open(self.logfile, "w") as handle:
            self.proc = subprocess.Popen(
                self.command(), cwd=REPO, env=self.environment(), stdout=handle, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        return self

    def wait_ready(self, key: str, timeout: float = 60) -> float:
        """Poll the ping until it answers 200; seconds it took."""
        t0 = time.monotonic()
        last = "no answer"
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise BenchError(f"gunicorn exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                status, body = get(self.port, TARGETS["ping"], key, timeout=5)
            except OSError as error:
                last = str(error)
            else:
                if status == 200:
                    return time.monotonic() - t0
                raise BenchError(f"the ping answered {status}: {body[:500]!r}\n{self.tail()}")
            time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer within {timeout:.0f} s ({last})\n{self.tail()}")

    def drain(self, key: str, timeout: float = 120) -> float:
        """Wait until the previous load's queued requests are done: a lone ping answers within 50 ms, twice."""
        t0 = time.monotonic()
        fast = 0
        while fast < 2:
            if time.monotonic() - t0 > timeout:
                raise BenchError(f"the server was still busy {timeout:.0f} s after the load stopped\n{self.tail()}")
            started = time.monotonic()
            status, _ = get(self.port, TARGETS["ping"], key, timeout=timeout)
            fast = fast + 1 if status == 200 and time.monotonic() - started < 0.05 else 0
            time.sleep(0.1)
        return time.monotonic() - t0

    def __exit__(self, *exc):
        self.stop()
        return False

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.signal(signal.SIGKILL)  # a worker left behind by a master that died

    def signal(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)

    def problems(self) -> int:
        """Warning, error and traceback lines in the server's log (gunicorn and Django log to the same file)."""
        lines = self.logfile.read_text(errors="replace").splitlines()
        return sum(any(word in line for word in (" WARNING ", " ERROR ", "Traceback", "[ERROR]")) for line in lines)

    def tail(self, n: int = 25) -> str:
        return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-n:])


# ----------------------------------------------------------------------------------------------------------------
# CPU accounting: who used the cores during a measured run
# ----------------------------------------------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def cpu_snapshot(session: int) -> dict:
    """CPU ticks of the server (its session), PostgreSQL and Redis processes, the machine, and reaped children."""
    pids = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[3]) == session:
            group = "gunicorn"
        elif name.startswith("postgres"):
            group = "postgres"
        elif name.startswith("redis"):
            group = "redis"
        else:
            continue
        pids[entry.name] = (group, int(fields[11]) + int(fields[12]))
    ticks = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "pids": pids,
        "busy": sum(ticks) - ticks[3] - ticks[4],  # all but idle and iowait
        "all": sum(ticks),
        "children_s": children.ru_utime + children.ru_stime,
        "t": time.monotonic(),
    }


def cpu_used(before: dict, after: dict) -> dict:
    """Cores used on average between two snapshots, by party; ``wrk`` is the children reaped in between."""
    wall = after["t"] - before["t"]
    out = {"gunicorn": 0.0, "postgres": 0.0, "redis": 0.0}
    for pid, (group, ticks) in after["pids"].items():
        out[group] += (ticks - before["pids"].get(pid, (group, 0))[1]) / TICK / wall
    out["wrk"] = (after["children_s"] - before["children_s"]) / wall
    span = after["all"] - before["all"]
    out["machine"] = (after["busy"] - before["busy"]) / span * os.cpu_count() if span else 0.0
    return out


# ----------------------------------------------------------------------------------------------------------------
# The load
# ----------------------------------------------------------------------------------------------------------------


def wrk(url: str, key: str, clients: int, seconds: float, script: Path) -> dict:
    """One wrk run; its figures (latencies in ms). Raises BenchError if wrk fails or prints no figures."""
    threads = max(1, min(os.cpu_count() or 1, clients))
    cmd = [
        "wrk", "-t", str(threads), "-c", str(clients), "-d", f"{seconds:g}s", "--timeout", "10s", "-s", str(script),
        url, "--", key,
    ]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"wrk did not finish within {seconds + 60:.0f} s") from error
    line = next((line for line in proc.stdout.splitlines() if line.startswith("WRK ")), None)
    if proc.returncode != 0 or line is None:
        raise BenchError(f"wrk failed (exit {proc.returncode}):\n{(proc.stdout + proc.stderr)[-2000:]}")
    raw = json.loads(line[4:])
    seconds_run = raw["duration_us"] / 1e6
    socket_errors = sum(raw[k] for k in ("connect", "read", "write", "timeout"))
    latencies = {f"{k}_ms": raw[f"{k}_us"] / 1000 for k in ("mean", "p50", "p90", "p95", "p99", "max")}
    return {
        "requests": raw["requests"],
        "rps": raw["requests"] / seconds_run,
        "mb_per_s": raw["bytes"] / seconds_run / 1e6,
        "ok": raw["ok"],
        "non200": raw["non200"],
        "non200_status": raw["non200_status"],
        "socket_errors": socket_errors,
        "errors": raw["non200"] + socket_errors,
        **latencies,
        "wrk_threads": threads,
    }


def check_target(port: int, name: str, key: str) -> dict:
    """One request before the load: it must be a 200 with JSON; the scores page must hold scores."""
    status, body = get(port, TARGETS[name], key)
    if status != 200:
        raise BenchError(f"GET {TARGETS[name]} answered {status}: {body[:500]!r}")
    data = json.loads(body)
    info = {"bytes": len(body)}
    if name == "scores":
        if not data.get("count") or not data.get("results"):
            raise BenchError(f"GET {TARGETS[name]} lists no scores: {body[:300]!r}")
        info.update(count=data["count"], page_rows=len(data["results"]))
    return info


def drive(server: Server, name: str, key: str, args, script: Path) -> dict:
    url = f"http://127.0.0.1:{server.port}{TARGETS[name]}"
    drained = server.drain(key)
    if drained > 1:
        log(f"  (waited {drained:.1f} s for the server to finish the previous load)")
    info = check_target(server.port, name, key)
    if args.warmup > 0:
        warm = wrk(url, key, args.clients, args.warmup, script)
        if warm["errors"]:
            raise BenchError(f"{name}: {warm['errors']} errors in the warm-up (last non-200: {warm['non200_status']})")
    before = cpu_snapshot(server.proc.pid)
    res = wrk(url, key, args.clients, args.seconds, script)
    res["cpu"] = cpu_used(before, cpu_snapshot(server.proc.pid))
    res["throttle_counted"] = throttle_counted()
    res["server_cpu_ms"] = res["cpu"]["gunicorn"] / res["rps"] * 1000
    res["postgres_cpu_ms"] = res["cpu"]["postgres"] / res["rps"] * 1000
    res.update(info)
    if res["errors"] or res["ok"] != res["requests"]:
        raise BenchError(
            f"{name}: {res['non200']} non-200 responses (last {res['non200_status']}), {res['socket_errors']} socket "
            f"errors or timeouts, {res['ok']} of {res['requests']} requests answered 200\n{server.tail()}"
        )
    return res


# ----------------------------------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------------------------------


def report(res: dict, args) -> dict:
    s, p = res["scores"], res["ping"]
    ratio = s["rps"] / p["rps"]
    ratio_ok = ratio >= RATIO_TARGET
    p99_ok = s["p99_ms"] <= P99_TARGET_MS
    print()
    kind, connections = ("gthread", "keep-alive connections") if args.threads > 1 else ("sync", "connections")
    print(
        f"gunicorn: {args.workers} workers × {args.threads} threads ({kind}); wrk: {s['wrk_threads']} threads, "
        f"{args.clients} {connections}, {args.warmup:g} s warm-up + {args.seconds:g} s measured per target; "
        f"partner rate {args.rate}; {os.cpu_count()} CPUs"
    )
    print(f"load average at start / end: {res['load_start']}  /  {res['load_end']}")
    print(f"scores page: {s['page_rows']} of {s['count']:,} scores, {s['bytes']:,} bytes; ping {p['bytes']} bytes")
    print()
    header = f"{'target':8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>6}"
    print(f"{header}  {'CPU ms/request':>17}   cores used: machine = gunicorn + postgres + redis + wrk (+ other)")
    print(f"{'':62}{'gunicorn postgres':>17}")
    for name in ("scores", "ping"):
        r, c = res[name], res[name]["cpu"]
        print(
            f"{name:8} {r['rps']:8.1f} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {r['p99_ms']:8.1f} {r['max_ms']:8.1f} "
            f"{r['errors']:6d}  {r['server_cpu_ms']:8.2f} {r['postgres_cpu_ms']:8.2f}   {c['machine']:.2f} = "
            f"{c['gunicorn']:.2f} + {c['postgres']:.2f} + {c['redis']:.2f} + {c['wrk']:.2f}"
        )
    print(
        f"requests the throttle counted in Redis (this and the previous minute) after each run: scores "
        f"{s['throttle_counted']:,}, ping {p['throttle_counted']:,}; "
        f"server log: {res['log_lines']} warning/error lines"
    )
    print()
    print(f"scores / ping throughput: {ratio:.1%}  (target ≥ {RATIO_TARGET:.0%})  {'PASS' if ratio_ok else 'MISS'}")
    note = "" if args.clients == P99_TARGET_CLIENTS else f" — target set at {P99_TARGET_CLIENTS} clients"
    print(
        f"scores p99 at {args.clients} clients: {s['p99_ms']:.1f} ms  (target ≤ {P99_TARGET_MS:.0f} ms)  "
        f"{'PASS' if p99_ok else 'MISS'}{note}"
    )
    line = {"clients": args.clients, "seconds": args.seconds, "workers": args.workers, "threads": args.threads}
    for name in ("scores", "ping"):
        r = res[name]
        line.update({
            f"{name}_rps": round(r["rps"], 1),
            f"{name}_p50_ms": round(r["p50_ms"], 1),
            f"{name}_p95_ms": round(r["p95_ms"], 1),
            f"{name}_p99_ms": round(r["p99_ms"], 1),
            f"{name}_errors": r["errors"],
            f"{name}_requests": r["requests"],
            f"{name}_server_cpu_ms": round(r["server_cpu_ms"], 2),
            f"{name}_postgres_cpu_ms": round(r["postgres_cpu_ms"], 2),
            f"{name}_wrk_cores": round(r["cpu"]["wrk"], 2),
        })  # fmt: skip
    line.update(
        scores_page_bytes=s["bytes"],
        scores_count=s["count"],
        ratio=round(ratio, 3),
        ratio_target=RATIO_TARGET,
        ratio_pass=ratio_ok,
        p99_target_ms=P99_TARGET_MS,
        p99_pass=p99_ok,
        load_start=res["load_start"],
        load_end=res["load_end"],
    )
    return line


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent connections (default 20)")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per target (default 20)")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds per target, discarded (default 3)")
    parser.add_argument("--skip-setup", action="store_true", help="no migrate / reference data / scoring")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers (default: CPUs)")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per worker (default 1: sync workers, as the Dockerfile; >1: gthread)",
    )
    parser.add_argument("--rate", default=DEFAULT_RATE, help=f"API_RATE_PARTNER (default {DEFAULT_RATE})")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("bench/api.py needs wrk: apt-get install -y wrk")

    res = {"load_start": load()}
    log(f"start: {uptime()}")
    try:
        key = prepare(args.skip_setup)
        flush_redis()
        with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
            script = Path(tmp, "bench.lua")
            script.write_text(WRK_SCRIPT)
            server = Server(args.workers, args.threads, args.rate, Path(tmp, "gunicorn.log"))
            with server:
                log(f"gunicorn {args.workers} × {args.threads} threads on 127.0.0.1:{server.port} (DEBUG=false)")
                log(f"  answered after {server.wait_ready(key):.1f} s")
                for name in ("scores", "ping"):
                    log(f"{TARGETS[name]}: {args.clients} clients, {args.warmup:g} + {args.seconds:g} s, load {load()}")
                    res[name] = drive(server, name, key, args, script)
                    r = res[name]
                    log(f"  {r['rps']:.1f} req/s, p50 {r['p50_ms']:.1f} / p99 {r['p99_ms']:.1f} ms")
                res["log_lines"] = server.problems()
    except BenchError as error:
        print(f"\nBENCH FAILED: {error}", file=sys.stderr, flush=True)
        raise SystemExit(1) from error
    finally:
        try:
            flush_redis()
        except Exception as error:  # noqa: BLE001 - cleanup only; the bench's own result stands
            print(f"(could not flush Redis db 5: {error})", file=sys.stderr)
    res["load_end"] = load()
    log(f"end: {uptime()}")
    line = report(res, args)
    print(json.dumps(line))
    return line


if __name__ == "__main__":
    main()
