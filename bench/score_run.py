"""Benchmark of a whole score run on PostgreSQL (database → engine → database) and of its fan-out across workers.

Run from the repository root with the project's virtualenv::

    .venv/bin/python bench/score_run.py                  # everything, ~3–4 min
    .venv/bin/python bench/score_run.py --skip-fan-out   # only the end-to-end run on PostgreSQL, ~1 min
    .venv/bin/python bench/score_run.py --profile        # also cProfile ``_write`` (top functions)

What it does (see bench/README.md):

* prepares the PostgreSQL database ``clusterplatform_bench`` on 127.0.0.1:5432 (created if missing, ``migrate``,
  ``load_reference_data`` — idempotent), deletes the score runs of earlier bench runs, and creates (once) a public
  methodology "Bench: default, 1,000 draws" — the default spec with ``uncertainty.draws = 1000``;
* **end to end**: ``manage.py score_region_set --region-set us-msas --year 2016 --force`` with tasks in-process
  (``CELERY_TASK_ALWAYS_EAGER=true``), 3 times; reports the run's own ``started_at → finished_at`` and its
  ``timings`` (read / engine / write) and the command's wall time (interpreter start-up and Django set-up
  included), medians; one more run in-process splits ``write`` into building the rows and the COPY;
* **fan-out**: the same region set under the 1,000-draw methodology (917 × 67 units × 1,000 draws = 61 M unit-draws,
  above ``FAN_OUT_WORK``, so it fans out into ``ceil(61.4 M / CHUNK_WORK)`` = 7 chunks) through a real broker
  (Redis db 13; the Django cache, which holds the fanned-out baseline, on Redis db 12 — only those two dbs are
  flushed), first with ONE ``celery worker -c 1`` process, then with TWO; the time is the run's
  ``created_at → finished_at``; the workers' logs give every task's duration (who ran which chunk, the last chunk's
  merge + write);
* **anatomy** of the fan-out, in-process: the baseline (read + engine without Monte Carlo), the pickled size and
  (de)serialisation time of the cached baseline, one chunk's Monte Carlo and its merge into the scores;
* **inline**: the same 1,000-draw run in-process with the fan-out disabled, for reference.

Every subprocess and every wait has a timeout; a stuck run fails the bench with a message (and the workers'
log tails), never a hang. Workers are always stopped (SIGTERM, then SIGKILL of their process group). BLAS/OpenMP
get one thread in every process (a Celery worker's share on the 2-core box, as in bench/engine.py).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
DB_NAME = "clusterplatform_bench"
SERVER_URL = "postgres://postgres@127.0.0.1:5432"
DATABASE_URL = f"{SERVER_URL}/{DB_NAME}"
BROKER_URL = "redis://127.0.0.1:6379/13"
CACHE_URL = "redis://127.0.0.1:6379/12"
REGION_SET, YEAR = "us-msas", 2016
BIG_METHODOLOGY, BIG_DRAWS = "Bench: default, 1,000 draws", 1000
THREADS = "1"


class BenchError(Exception):
    """A step failed or timed out: the bench stops with this message."""


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return f"load average: {load()}"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ----------------------------------------------------------------------------------------------------------------
# Environments and subprocesses
# ----------------------------------------------------------------------------------------------------------------


def environment(*, eager: bool) -> dict:
    """The project's environment for the bench database: tasks in-process (eager) or through Redis db 13.

    CACHE_URL is set explicitly (it wins over REDIS_URL, and a developer's .env could set it): a per-process memory
    cache when eager, Redis db 12 otherwise — the shared cache the fanned-out chunks read the baseline from.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CELERY_", "DJANGO_"))}
    env.update(
        DATABASE_URL=DATABASE_URL,
        DJANGO_SETTINGS_MODULE="clusterplatform.settings",
        OPENBLAS_NUM_THREADS=THREADS,
        OMP_NUM_THREADS=THREADS,
        MKL_NUM_THREADS=THREADS,
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
    )
    if eager:
        env.update(CELERY_TASK_ALWAYS_EAGER="true", CELERY_BROKER_URL="memory://", REDIS_URL="")
        env["CACHE_URL"] = "locmemcache://"
    else:
        env.update(CELERY_TASK_ALWAYS_EAGER="false", CELERY_BROKER_URL=BROKER_URL, REDIS_URL=CACHE_URL)
        env["CACHE_URL"] = CACHE_URL
    return env


def run(cmd: list[str], env: dict, timeout: float, what: str) -> tuple[str, float]:
    """Run a subprocess in the repository; (stdout, wall seconds). Raises BenchError on failure or timeout."""
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"{what}: no result after {timeout:.0f} s ({' '.join(cmd)})") from error
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise BenchError(f"{what} failed (exit {proc.returncode}):\n{(proc.stdout + proc.stderr)[-3000:]}")
    return proc.stdout, wall


def manage(args: list[str], env: dict, timeout: float, what: str) -> tuple[str, float]:
    return run([PYTHON, "manage.py", *args], env, timeout, what)


# In-process helpers, run as ``python -c HELPER MODE [ARGS]`` with Django set up against the bench database;
# each prints one JSON object as its last line.
HELPER = r"""
import cProfile, io, json, math, pickle, pstats, sys, time
import django
django.setup()
import numpy as np
from assessments.services import runs
from assessments.models import Methodology, ScoreRun
from scoring import pipeline
from scoring.methodology import default_spec, validate_spec
from regions.models import RegionSet

mode = sys.argv[1]
out = {}
region_set = RegionSet.objects.get(slug=sys.argv[2])
year = int(sys.argv[3])


def big_methodology():
    return Methodology.objects.get(organisation=None, name=sys.argv[4], version=1)


def seconds(run):
    return (run.finished_at - run.started_at).total_seconds()


if mode == "setup":
    deleted = ScoreRun.objects.all().delete()[0]  # the bench database's own earlier runs (and their scores)
    name, draws = sys.argv[4], int(sys.argv[5])
    spec = default_spec()
    spec = validate_spec({**spec, "name": name, "version": 1, "uncertainty": {**spec["uncertainty"], "draws": draws}})
    method, created = Methodology.objects.get_or_create(
        organisation=None, name=name, version=1, defaults={"spec": spec, "description": "bench/score_run.py"}
    )
    if method.spec != spec:
        Methodology.objects.filter(pk=method.pk).update(spec=spec)
    units = region_set.regions.count()
    out = {"deleted_rows": deleted, "methodology": method.pk, "created": created, "draws": draws,
           "regions": units, "fan_out_work": runs.FAN_OUT_WORK, "chunk_work": runs.CHUNK_WORK}

elif mode == "write_split":
    # One eager run of the default methodology with the COPY timed apart from building the rows.
    copy = {"s": 0.0, "rows": 0}
    insert_rows = runs.insert_rows

    def timed_insert(model, fields, rows):
        t0 = time.perf_counter()
        n = insert_rows(model, fields, rows)
        copy["s"] += time.perf_counter() - t0
        copy["rows"] += n
        return n

    runs.insert_rows = timed_insert
    # "profile": cProfile around _write instead (inflates it ~1.5×, so that run's split is not the reported one).
    profile = cProfile.Profile() if sys.argv[4] == "profile" else None
    if profile is not None:
        write = runs._write

        def profiled(*args, **kwargs):
            profile.enable()
            try:
                return write(*args, **kwargs)
            finally:
                profile.disable()

        runs._write = profiled
    run, _ = runs.score_run_request(region_set=region_set, year=year, force=True, trigger="bench")
    run = ScoreRun.objects.get(pk=run.pk)
    if run.status != "succeeded":
        raise SystemExit(f"run {run.pk} {run.status}: {run.error}")
    out = {"run": run.pk, "run_s": seconds(run), "timings": run.timings, "copy_s": copy["s"], "rows": copy["rows"]}
    if profile is not None:
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(12)
        out["profile"] = text.getvalue()

elif mode == "inline":
    # The 1,000-draw run in-process with the fan-out disabled: one process does all the Monte Carlo.
    runs.FAN_OUT_WORK = 10**18
    run, _ = runs.score_run_request(
        region_set=region_set, year=year, methodology=big_methodology(), force=True, trigger="bench"
    )
    run = ScoreRun.objects.get(pk=run.pk)
    if run.status != "succeeded" or run.chunks_total:
        raise SystemExit(f"run {run.pk} {run.status} ({run.chunks_total} chunks): {run.error}")
    out = {"run": run.pk, "run_s": seconds(run), "timings": run.timings}

elif mode == "anatomy":
    # What one fanned-out chunk costs, piece by piece, without a broker (no run row is written).
    method = big_methodology()
    run = ScoreRun(region_set=region_set, year=year, methodology=method, organisation=None)
    t0 = time.perf_counter()
    result, context, spec, timings, plan = runs._engine(run)
    out["baseline_s"] = time.perf_counter() - t0
    out["baseline_timings"] = timings
    out["chunks"] = len(plan)
    out["chunk_units"] = [int(len(rows)) for rows in plan]
    units = len(result.scores)
    out["units"] = units
    out["work"] = units * spec["uncertainty"]["draws"]
    t0 = time.perf_counter()
    blob = pickle.dumps((result, context, spec), protocol=pickle.HIGHEST_PROTOCOL)
    out["pickle_dumps_s"] = time.perf_counter() - t0
    out["pickle_mb"] = len(blob) / 1e6
    t0 = time.perf_counter()
    pickle.loads(blob)
    out["pickle_loads_s"] = time.perf_counter() - t0
    rows = plan[0]
    t0 = time.perf_counter()
    frame = pipeline.monte_carlo_rows(result.prepared, spec, rows)
    out["chunk0_monte_carlo_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    buffer = io.BytesIO()
    np.savez_compressed(buffer, rows=rows, values=frame.to_numpy(dtype=np.float64),
                        columns=np.array(frame.columns, dtype=str))
    out["chunk0_savez_s"] = time.perf_counter() - t0
    out["chunk0_payload_mb"] = len(buffer.getvalue()) / 1e6
    # runs.score_run_chunk's merge of one chunk into the baseline scores (column by column, .loc on the
    # MultiIndex), timed on chunk 0.
    merged = result.scores.copy()
    part = frame.copy()
    part.index = merged.index[rows]
    t0 = time.perf_counter()
    for column in part.columns:
        merged.loc[part.index, column] = part[column]
    out["chunk0_merge_s"] = time.perf_counter() - t0

print(json.dumps(out, default=str))
"""


def helper(mode: str, *args: str, env: dict, timeout: float) -> dict:
    stdout, wall = run(
        [PYTHON, "-c", HELPER, mode, REGION_SET, str(YEAR), *args], env, timeout, f"in-process helper '{mode}'"
    )
    out = json.loads(stdout.strip().splitlines()[-1])
    out["wall_s"] = wall
    return out


# ----------------------------------------------------------------------------------------------------------------
# The bench database
# ----------------------------------------------------------------------------------------------------------------


def connect(dbname: str = DB_NAME):
    import psycopg

    return psycopg.connect(f"{SERVER_URL}/{dbname}", autocommit=True, connect_timeout=10)


def prepare() -> dict:
    """Create the database if missing, migrate, load the reference data, reset the bench's runs."""
    t0 = time.perf_counter()
    with connect("postgres") as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone()
        if not exists:
            log(f"creating database {DB_NAME}")
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    env = environment(eager=True)
    manage(["migrate", "--no-input", "-v", "0"], env, 600, "migrate")
    out, _ = manage(["load_reference_data"], env, 900, "load_reference_data")
    total = next((line for line in out.splitlines() if line.startswith("Total:")), "")
    setup = helper("setup", BIG_METHODOLOGY, str(BIG_DRAWS), env=env, timeout=300)
    setup["prepare_s"] = time.perf_counter() - t0
    setup["reference_data"] = total
    return setup


RUN_COLUMNS = (
    "status, error, created_at, started_at, finished_at, timings, chunks_total, chunks_done, progress, worker, log"
)


def fetch_run(run_id: int, conn=None) -> dict:
    """The run's row; pass an open connection when polling (a new connection is a backend fork per call)."""
    if conn is None:
        with connect() as own:
            return fetch_run(run_id, own)
    row = conn.execute(
        f"SELECT {RUN_COLUMNS} FROM assessments_scorerun WHERE id = %s",  # noqa: S608 - constant columns
        (run_id,),
    ).fetchone()
    if row is None:
        raise BenchError(f"run {run_id} is not in {DB_NAME}")
    return dict(zip([c.strip() for c in RUN_COLUMNS.split(",")], row, strict=True))


def run_id_of(stdout: str) -> int:
    match = re.search(r"(?:Started|Reusing) run (\d+)", stdout)
    if not match:
        raise BenchError(f"no run id in the command's output:\n{stdout[-2000:]}")
    return int(match.group(1))


# ----------------------------------------------------------------------------------------------------------------
# End to end on PostgreSQL, tasks in-process
# ----------------------------------------------------------------------------------------------------------------


def end_to_end(repeats: int, profile: bool) -> dict:
    env = environment(eager=True)
    runs = []
    for i in range(repeats):
        stdout, wall = manage(
            ["score_region_set", "--region-set", REGION_SET, "--year", str(YEAR), "--force", "--timeout", "300"],
            env,
            360,
            "score_region_set (eager)",
        )
        row = fetch_run(run_id_of(stdout))
        if row["status"] != "succeeded":
            raise BenchError(f"end-to-end run {i + 1} {row['status']}: {row['error']}")
        run_s = (row["finished_at"] - row["started_at"]).total_seconds()
        runs.append({"command_s": wall, "run_s": run_s, **row["timings"]})
        log(
            f"  run {i + 1}/{repeats}: command {wall:.2f} s, run {run_s:.2f} s "
            f"(read {row['timings'].get('read_s')} / engine {row['timings'].get('engine_s')} / "
            f"write {row['timings'].get('write_s')} s)"
        )
    res = {
        key: statistics.median(r[key] for r in runs) for key in ("command_s", "run_s", "read_s", "engine_s", "write_s")
    }
    res["runs"] = runs
    log("  write split (one more run in-process, COPY timed apart)")
    res["split"] = helper("write_split", "-", env=env, timeout=360)
    if profile:
        log("  cProfile of _write (one more run in-process)")
        res["profile"] = helper("write_split", "profile", env=env, timeout=360)["profile"]
    return res


# ----------------------------------------------------------------------------------------------------------------
# Fan-out through a real broker
# ----------------------------------------------------------------------------------------------------------------

TASK_DONE = re.compile(
    r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}).*?Task assessments\.tasks\.(\w+)\[([0-9a-f-]+)\] "
    r"succeeded in ([0-9.]+)s: '?(\w+)'?"
)


def flush_redis() -> None:
    """Empty the bench's broker (db 13) and cache (db 12) — those two databases only."""
    import redis

    for url in (BROKER_URL, CACHE_URL):
        client = redis.Redis.from_url(url, socket_timeout=5)
        try:
            client.flushdb()
        finally:
            client.close()


def baseline_bytes(run_id: int) -> int | None:
    """Size of the fanned-out baseline in the cache (Django's key is ':1:score-run:<id>:baseline')."""
    import redis

    client = redis.Redis.from_url(CACHE_URL, socket_timeout=5)
    try:
        return client.strlen(f":1:score-run:{run_id}:baseline") or None
    finally:
        client.close()


class Workers:
    """N ``celery worker -c 1`` processes on the bench broker; always stopped on exit (SIGTERM, then SIGKILL)."""

    def __init__(self, n: int, logdir: Path, ready_timeout: float = 90):
        self.n, self.logdir, self.ready_timeout = n, logdir, ready_timeout
        self.procs: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def __enter__(self):
        env = environment(eager=False)
        env["LOG_LEVEL"] = "INFO"
        for i in range(1, self.n + 1):
            path = self.logdir / f"worker-{self.n}-{i}.log"
            self.logs.append(path)
            with open(path, "w") as handle:
                self.procs.append(
                    subprocess.Popen(
                        [PYTHON, "-m", "celery", "-A", "clusterplatform", "worker", "-c", "1", "-n", f"bench{i}@%h",
                         "--without-mingle", "--without-gossip", "--without-heartbeat", "-l", "info"],
                        cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
                    )
                )  # fmt: skip
        try:
            deadline = time.monotonic() + self.ready_timeout
            while not all(" ready." in p.read_text(errors="replace") for p in self.logs):
                for proc, path in zip(self.procs, self.logs, strict=True):
                    if proc.poll() is not None:
                        raise BenchError(f"worker exited with {proc.returncode}:\n{self.tail(path)}")
                if time.monotonic() > deadline:
                    raise BenchError(f"the workers were not ready within {self.ready_timeout:.0f} s\n{self.tails()}")
                time.sleep(0.2)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)  # the worker and its pool child (its own session)
                proc.wait(timeout=10)
            with contextlib.suppress(ProcessLookupError, PermissionError):  # a pool child left by a dead worker
                os.killpg(proc.pid, signal.SIGKILL)

    @staticmethod
    def tail(path: Path, n: int = 15) -> str:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])

    def tails(self) -> str:
        return "\n".join(f"--- {p.name}\n{self.tail(p)}" for p in self.logs)

    def tasks(self) -> list[dict]:
        """Every finished task in the workers' logs: worker, task, start/end (epoch s), seconds, return value."""
        out = []
        for i, path in enumerate(self.logs, start=1):
            for match in TASK_DONE.finditer(path.read_text(errors="replace")):
                stamp, task, _uuid, secs, value = match.groups()
                end = time.mktime(time.strptime(stamp[:19], "%Y-%m-%d %H:%M:%S")) + int(stamp[20:]) / 1000
                out.append(
                    {"worker": i, "task": task, "seconds": float(secs), "end": end, "start": end - float(secs),
                     "value": value}
                )  # fmt: skip
        return sorted(out, key=lambda t: t["start"])


def fan_out(n_workers: int, logdir: Path, timeout: float) -> dict:
    flush_redis()
    with Workers(n_workers, logdir) as workers:
        stdout, _ = manage(
            ["score_region_set", "--region-set", REGION_SET, "--year", str(YEAR), "--methodology", BIG_METHODOLOGY,
             "--force", "--no-wait"],
            environment(eager=False), 120, "score_region_set --no-wait",
        )  # fmt: skip
        run_id = run_id_of(stdout)
        deadline = time.monotonic() + timeout
        cached = None
        with connect() as conn:  # one connection and a 0.25 s poll: the bench must not steal the workers' cores
            while True:
                row = fetch_run(run_id, conn)
                if row["status"] not in ("queued", "running"):
                    break
                if cached is None and row["chunks_total"]:
                    cached = baseline_bytes(run_id)
                if time.monotonic() > deadline:
                    raise BenchError(
                        f"fan-out run {run_id} with {n_workers} worker(s) still {row['status']} after "
                        f"{timeout:.0f} s (progress {row['progress']}%, chunks {row['chunks_done']}/"
                        f"{row['chunks_total']})\n{workers.tails()}"
                    )
                time.sleep(0.25)
        time.sleep(0.5)  # let the last task's "succeeded" line reach the log
        tasks = workers.tasks()
    if row["status"] != "succeeded":
        raise BenchError(f"fan-out run {run_id} {row['status']}: {row['error']}\n{row['log'][-2000:]}")
    if not row["chunks_total"]:
        raise BenchError(f"run {run_id} did not fan out (work below FAN_OUT_WORK?)")
    res = {
        "run": run_id,
        "request_to_done_s": (row["finished_at"] - row["created_at"]).total_seconds(),
        "run_s": (row["finished_at"] - row["started_at"]).total_seconds(),
        "queue_s": (row["started_at"] - row["created_at"]).total_seconds(),
        "timings": row["timings"],
        "chunks": row["chunks_total"],
        "baseline_mb": cached / 1e6 if cached else None,
        "tasks": tasks,
    }
    chunks = [t for t in tasks if t["task"] == "execute_score_chunk"]
    head = [t for t in tasks if t["task"] == "execute_score_run"]
    if head and chunks:
        t0 = head[0]["start"]
        res["baseline_task_s"] = head[0]["seconds"]
        last = max(chunks, key=lambda t: t["end"])
        res["last_chunk_s"] = last["seconds"]
        others = [t["seconds"] for t in chunks if t is not last]
        res["chunk_median_s"] = statistics.median(others) if others else None
        # Amdahl: the first task and the last chunk's merge + write run alone; the chunks' Monte Carlo spreads.
        median = res["chunk_median_s"] or last["seconds"]
        res["serial_s"] = head[0]["seconds"] + last["seconds"] - median
        res["ideal_s"] = {w: res["serial_s"] + math.ceil(len(chunks) / w) * median for w in (1, 2)}
        res["chunks_by_worker"] = {w: sum(t["worker"] == w for t in chunks) for w in range(1, n_workers + 1)}
        res["timeline"] = [
            f"w{t['worker']} {t['task'].removeprefix('execute_score_')} {t['start'] - t0:6.2f} → {t['end'] - t0:6.2f} s"
            f" ({t['seconds']:.2f} s{', wrote' if t['value'] == 'succeeded' and t['task'].endswith('chunk') else ''})"
            for t in tasks
        ]
    return res


# ----------------------------------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------------------------------


def fmt(v) -> str:
    if v is None:
        return "—"
    return f"{v * 1000:.0f} ms" if v < 1 else f"{v:.2f} s"


def print_table(res: dict) -> None:
    e = res["e2e"]
    split = e["split"]
    rows = [
        ("load avg 1/5/15 min at start / end", f"{res['load_start']}  /  {res['load_end']}"),
        (f"END TO END, PostgreSQL, eager, {REGION_SET} {YEAR} (median of {len(e['runs'])})", ""),
        ("  command wall time (incl. start-up)", fmt(e["command_s"])),
        ("  run started_at → finished_at", fmt(e["run_s"])),
        ("    read", fmt(e["read_s"])),
        ("    engine (200 draws, inline)", fmt(e["engine_s"])),
        ("    write", fmt(e["write_s"])),
        (
            "    write split (1 run): rows in Python / COPY",
            f"{fmt(split['timings']['write_s'] - split['copy_s'])} / {fmt(split['copy_s'])} ({split['rows']:,} rows)",
        ),
    ]
    a = res.get("anatomy")
    if a:
        rows += [
            (f"FAN-OUT ANATOMY, {BIG_DRAWS:,} draws, in-process", ""),
            ("  units × draws / chunks", f"{a['work'] / 1e6:.1f} M / {a['chunks']} of ~{a['chunk_units'][0]:,} units"),
            ("  baseline: read + engine (no Monte Carlo)", fmt(a["baseline_s"])),
            ("  cached baseline: pickle size / dumps / loads", f"{a['pickle_mb']:.1f} MB / "
             f"{fmt(a['pickle_dumps_s'])} / {fmt(a['pickle_loads_s'])}"),
            ("  one chunk: Monte Carlo / savez / merge", f"{fmt(a['chunk0_monte_carlo_s'])} / "
             f"{fmt(a['chunk0_savez_s'])} / {fmt(a['chunk0_merge_s'])}"),
        ]  # fmt: skip
    if res.get("inline"):
        t = res["inline"]["timings"]
        rows.append(
            (
                "INLINE 1,000 draws (eager, no fan-out): run",
                f"{fmt(res['inline']['run_s'])} (read {fmt(t['read_s'])} / engine {fmt(t['engine_s'])} / "
                f"write {fmt(t['write_s'])})",
            )
        )
    for n in (1, 2):
        f = res.get(f"fan_out_{n}")
        if not f:
            continue
        t = f["timings"]
        rows += [
            (f"FAN-OUT, {n} worker(s) -c 1, Redis broker: request → done", fmt(f["request_to_done_s"])),
            ("  queue wait / first task (read + engine + cache.set)", f"{fmt(f['queue_s'])} / "
             f"{fmt(f.get('baseline_task_s'))}"),
            ("  chunk task median / last chunk (+ merge + write)", f"{fmt(f.get('chunk_median_s'))} / "
             f"{fmt(f.get('last_chunk_s'))}"),
            ("  sum of chunk compute (chunks_s) / write_s", f"{fmt(t.get('chunks_s'))} / {fmt(t.get('write_s'))}"),
            ("  chunks per worker", ", ".join(f"w{w}: {c}" for w, c in f.get("chunks_by_worker", {}).items())),
            ("  serial (first task + last chunk beyond its Monte Carlo)", fmt(f.get("serial_s"))),
            ("  model: serial + ⌈chunks / workers⌉ × chunk, 1 / 2 workers", " / ".join(
                fmt(v) for v in f.get("ideal_s", {}).values())),
        ]  # fmt: skip
    if res.get("fan_out_1") and res.get("fan_out_2"):
        rows.append(("SPEEDUP, 2 workers vs 1", f"{res['speedup']:.2f}×"))
    width = max(len(label) for label, _ in rows) + 2
    print()
    for label, value in rows:
        print(label.ljust(width) + value)
    for n in (1, 2):
        f = res.get(f"fan_out_{n}")
        if f and f.get("timeline"):
            print(f"\nTimeline, {n} worker(s) (from the first task's start):")
            for line in f["timeline"]:
                print("  " + line)
    if e.get("profile"):
        print("\ncProfile of _write, one run (tottime; cProfile inflates the total):\n" + e["profile"].rstrip())
    print(f"\nBLAS/OpenMP threads: {THREADS} per process; cores {os.cpu_count()}; {DATABASE_URL}; broker {BROKER_URL}")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="end-to-end runs (median; default 3)")
    parser.add_argument("--skip-fan-out", action="store_true", help="only the end-to-end run on PostgreSQL")
    parser.add_argument("--skip-inline", action="store_true", help="skip the inline 1,000-draw reference run")
    parser.add_argument("--profile", action="store_true", help="also cProfile _write in one more run")
    parser.add_argument("--timeout", type=float, default=300, help="seconds a fanned-out run may take (default 300)")
    args = parser.parse_args(argv)

    res = {"load_start": load()}
    log(f"start: {uptime()}")
    try:
        setup = prepare()
        log(f"prepared {DB_NAME} in {setup['prepare_s']:.1f} s ({setup['reference_data']}); methodology "
            f"'{BIG_METHODOLOGY}' #{setup['methodology']}; {setup['deleted_rows']:,} old rows deleted")  # fmt: skip
        log(f"end to end ×{args.repeats}: score_region_set --region-set {REGION_SET} --year {YEAR} --force (eager)")
        res["e2e"] = end_to_end(args.repeats, args.profile)
        if not args.skip_fan_out:
            log(f"fan-out anatomy ({BIG_DRAWS:,} draws, in-process)")
            res["anatomy"] = helper("anatomy", BIG_METHODOLOGY, env=environment(eager=True), timeout=600)
            if not args.skip_inline:
                log(f"inline reference run ({BIG_DRAWS:,} draws, eager, fan-out disabled)")
                res["inline"] = helper("inline", BIG_METHODOLOGY, env=environment(eager=True), timeout=900)
            with tempfile.TemporaryDirectory(prefix="bench-score-run-") as tmp:
                for n in (1, 2):
                    log(f"fan-out with {n} worker(s), load {load()}")
                    res[f"fan_out_{n}"] = fan_out(n, Path(tmp), args.timeout)
                    log(f"  {res[f'fan_out_{n}']['request_to_done_s']:.2f} s request → done")
            res["speedup"] = res["fan_out_1"]["request_to_done_s"] / res["fan_out_2"]["request_to_done_s"]
    except BenchError as error:
        print(f"\nBENCH FAILED: {error}", file=sys.stderr, flush=True)
        raise SystemExit(1) from error
    finally:
        flush_redis_quietly()
    res["load_end"] = load()
    log(f"end: {uptime()}")
    print_table(res)
    e = res["e2e"]
    line = {
        "postgres_us_msas_s": e["run_s"],
        "postgres_us_msas_read_s": e["read_s"],
        "engine_s": e["engine_s"],
        "write_s": e["write_s"],
        "write_copy_s": e["split"]["copy_s"],
        "command_s": e["command_s"],
        "inline_1000_draws_s": res.get("inline", {}).get("run_s"),
        "fan_out_1_worker_s": res.get("fan_out_1", {}).get("request_to_done_s"),
        "fan_out_2_workers_s": res.get("fan_out_2", {}).get("request_to_done_s"),
        "speedup_2_workers": res.get("speedup"),
        "load_start": res["load_start"],
        "load_end": res["load_end"],
    }
    line = {k: round(v, 3) if isinstance(v, float) else v for k, v in line.items()}
    print(json.dumps(line))
    return line


def flush_redis_quietly() -> None:
    try:
        flush_redis()
    except Exception as error:  # noqa: BLE001 - cleanup only; the bench's own result stands
        print(f"(could not flush Redis dbs 12/13: {error})", file=sys.stderr)


if __name__ == "__main__":
    main()
