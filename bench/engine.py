"""Benchmark of the scoring engine against py-ecomplexity 0.5.3, and of the full indicator + composite pipeline.

Run from the repository root with the project's virtualenv::

    .venv/bin/python bench/engine.py              # full run (~5 min; first run also builds the peer venv)
    .venv/bin/python bench/engine.py --quick      # no peer, fewer repeats
    .venv/bin/python bench/engine.py --draws 200  # fewer Monte Carlo draws

What it does (see bench/README.md and shared/reference/scoring.md §3):

* generates the synthetic region × industry employment of scoring.md §3 for 300 × 500 and 3,143 × 1,000
  (seed 20240601, log-normal sizes/shares/noise, integer counts, ~39.85% zeros placed mostly in small × small
  cells, no empty rows or columns);
* runs ``ecomplexity.ecomplexity()`` (package defaults, ``verbose=False``) in its own virtualenv
  (``bench/.venv-peer``, created on first use) in a subprocess on the same matrix, timing only the call;
* times the engine's ``rca → presence → proximity → density`` on the same matrix and checks it against
  ecomplexity (RCA to rounding, Mcp exactly, density to 1e-5) before reporting the ratio;
* times ``economic_indicators`` + ``composite.score`` over every region × cluster pair (67 clusters) and
  1,000 Monte Carlo draws over the same units.

Timings are ``time.perf_counter`` around the computation only (no interpreter start-up, imports or I/O), the
**median** of N repeats after one untimed warm-up (the peer: median of N calls, no warm-up; its imports are
excluded). BLAS/OpenMP threads default to 1, as in a Celery prefork worker process (docker-compose runs
``--concurrency 2`` on a 2-core box, so two busy processes already fill the cores); ``--threads 2`` measures a lone
process with both cores.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


def _arg_threads(argv) -> str:
    """The --threads value, read before numpy is imported (BLAS reads its thread count at load time)."""
    for i, arg in enumerate(argv):
        if arg.startswith("--threads="):
            return arg.split("=", 1)[1]
        if arg == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
    return "1"


THREADS = _arg_threads(sys.argv)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = THREADS

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from scoring import composite, economic  # noqa: E402
from scoring.methodology import DEFAULT_NORMALISATIONS, default_spec, validate_spec  # noqa: E402

SEED = 20240601
ZERO_SHARE = 0.3985  # scoring.md §3: 39.8–39.9% zero cells
SIZES = {"300x500": (300, 500), "3143x1000": (3143, 1000)}
N_CLUSTERS, N_TRADED = 67, 51
PEER_VENV = Path(__file__).resolve().parent / ".venv-peer"
PEER_PACKAGES = ("ecomplexity==0.5.3",)


# ----------------------------------------------------------------------------------------------------------------
# Synthetic data (scoring.md §3)
# ----------------------------------------------------------------------------------------------------------------


def generate(r: int, k: int, seed: int = SEED, zero_share: float = ZERO_SHARE) -> np.ndarray:
    """(r, k) float64 integer employment: log-normal region sizes × industry shares × idiosyncratic noise.

    Zeros go preferentially to small region × small industry cells: a cell is zero when its "smallness" score
    (minus the standardised log size and log share, plus logistic noise) is in the top ``zero_share`` — exactly
    that share of zeros before the guard below. No row or column is left all-zero (its largest expected cell is
    kept), so ecomplexity drops nothing. Non-zero cells are rounded to integers ≥ 1; the mean non-zero cell is ~50.
    """
    rng = np.random.default_rng(seed)
    size = rng.lognormal(0.0, 1.2, r)
    share = rng.lognormal(0.0, 1.0, k)
    noise = rng.lognormal(0.0, 0.6, (r, k))
    expected = size[:, None] * share[None, :] * noise
    expected *= 50.0 * r * k / expected.sum()
    ls, lk = np.log(size), np.log(share)
    smallness = -((ls - ls.mean()) / ls.std())[:, None] - ((lk - lk.mean()) / lk.std())[None, :]
    smallness = smallness + rng.logistic(0.0, 0.75, (r, k))
    zero = smallness > np.quantile(smallness, 1.0 - zero_share)
    x = np.where(zero, 0.0, np.maximum(1.0, np.round(expected)))
    for axis in (1, 0):  # guard: keep the largest expected cell of an all-zero row / column
        empty = np.flatnonzero(x.sum(axis=axis) == 0)
        for i in empty:
            if axis == 1:
                j = int(np.argmax(expected[i]))
                x[i, j] = max(1.0, round(expected[i, j]))
            else:
                j = int(np.argmax(expected[:, i]))
                x[j, i] = max(1.0, round(expected[j, i]))
    return x


# ----------------------------------------------------------------------------------------------------------------
# Timing helpers
# ----------------------------------------------------------------------------------------------------------------


def timed(fn, repeats: int, warmup: bool = True):
    """(median seconds, all times, last result) of ``fn()`` over ``repeats`` calls after an untimed warm-up."""
    result = fn() if warmup else None
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), times, result


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


# ----------------------------------------------------------------------------------------------------------------
# The engine: LQ + presence + proximity + density
# ----------------------------------------------------------------------------------------------------------------


def engine_relatedness(x: np.ndarray):
    lq = economic.rca(x)
    m = economic.presence(lq)
    phi = economic.proximity(m)
    return lq, m, phi, economic.density(m, phi)


def engine_from_long(loc, prod, val, r, k):
    """The same from a long (loc, prod, val) extract, as ecomplexity receives it: dense pivot first."""
    x, _, _ = economic.dense_matrix(loc, prod, val, rows=np.arange(r), cols=np.arange(k), fill=0.0)
    return engine_relatedness(x)


# ----------------------------------------------------------------------------------------------------------------
# The peer: ecomplexity in its own virtualenv
# ----------------------------------------------------------------------------------------------------------------

PEER_SCRIPT = r"""
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import numpy as np
import pandas as pd
import ecomplexity

src, dst, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
x = np.load(src)["x"]
r, k = x.shape
# "dense" layout of scoring.md §3: every cell is a row, zeros included
df = pd.DataFrame({"year": 2016, "loc": np.repeat(np.arange(r), k), "prod": np.tile(np.arange(k), r),
                   "val": x.ravel()})
cols = {"time": "year", "loc": "loc", "prod": "prod", "val": "val"}
times = []
for _ in range(repeats):
    frame = df.copy()
    t0 = time.perf_counter()
    out = ecomplexity.ecomplexity(frame, cols, verbose=False)
    times.append(time.perf_counter() - t0)
out = out.sort_values(["loc", "prod"])
np.savez(dst, rca=out["rca"].to_numpy().reshape(r, k), mcp=out["mcp"].to_numpy().reshape(r, k),
         density=out["density"].to_numpy().reshape(r, k))
import numpy, pandas
print(json.dumps({"times": times, "versions": {"ecomplexity": "0.5.3", "numpy": numpy.__version__,
                                               "pandas": pandas.__version__}}))
"""


def peer_python() -> Path:
    """The peer venv's interpreter, creating the venv (``python -m venv`` + pip from the registry) on first use.

    numpy/pandas are pinned to the versions of the project venv so both sides run the same numpy/BLAS build.
    """
    import subprocess

    python = PEER_VENV / "bin" / "python"
    if (
        python.exists()
        and subprocess.run([str(python), "-c", "import ecomplexity"], capture_output=True).returncode == 0
    ):
        return python
    print(f"creating the peer virtualenv in {PEER_VENV} ...", flush=True)
    base = getattr(sys, "_base_executable", None) or sys.executable
    subprocess.run([base, "-m", "venv", str(PEER_VENV)], check=True)
    (PEER_VENV / ".gitignore").write_text("*\n")  # keep the venv out of git whatever the repo's .gitignore says
    pins = [f"numpy=={np.__version__}", f"pandas=={pd.__version__}"]
    pip = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", *PEER_PACKAGES, *pins], capture_output=True, text=True
    )
    if pip.returncode != 0:
        raise RuntimeError(f"pip install into {PEER_VENV} failed:\n{pip.stderr[-3000:]}")
    return python


def run_peer(x: np.ndarray, repeats: int, workdir: Path) -> dict:
    import subprocess

    python = peer_python()
    script = workdir / "peer_ecomplexity.py"
    script.write_text(PEER_SCRIPT)
    src, dst = workdir / "matrix.npz", workdir / "peer_out.npz"
    np.savez(src, x=x)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": THREADS, "OMP_NUM_THREADS": THREADS, "MKL_NUM_THREADS": THREADS}
    proc = subprocess.run(
        [str(python), str(script), str(src), str(dst), str(repeats)], capture_output=True, text=True, env=env
    )
    if proc.returncode != 0:
        raise RuntimeError(f"ecomplexity peer failed:\n{proc.stderr[-3000:]}")
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    with np.load(dst) as out:
        info.update({k: out[k] for k in ("rca", "mcp", "density")})
    return info


def check_against_peer(x, lq, m, phi, peer) -> dict:
    """RCA to rounding (≤ 1e-12 relative), Mcp exactly, density to 1e-5 absolute; raises if they disagree.

    ecomplexity keeps φ_kk = 1 on the diagonal, so its density counts the cell itself; ours is 0 there
    (economic.proximity). Its number is ours with a unit diagonal: ω_eco = (ω·S_k + M_rk) / (S_k + 1).
    """
    rca_rel = float(np.nanmax(np.abs(lq - peer["rca"]) / np.where(peer["rca"] == 0, 1.0, np.abs(peer["rca"]))))
    assert np.array_equal(np.isnan(lq), np.isnan(peer["rca"])), "RCA NaN pattern differs"
    assert rca_rel <= 1e-12, f"RCA differs from ecomplexity: max relative {rca_rel:.2e}"
    assert np.array_equal(m, peer["mcp"]), "Mcp differs from ecomplexity"
    phi_unit = phi.copy()
    np.fill_diagonal(phi_unit, 1.0)
    dens_diff = float(np.max(np.abs(economic.density(m, phi_unit) - peer["density"])))
    assert dens_diff <= 1e-5, f"density differs from ecomplexity: max abs {dens_diff:.2e}"
    return {"rca_max_rel": rca_rel, "density_max_abs": dens_diff}


# ----------------------------------------------------------------------------------------------------------------
# Full pipeline: indicators over 67 clusters, composite scores, Monte Carlo
# ----------------------------------------------------------------------------------------------------------------


def pipeline_inputs(x: np.ndarray, seed: int = SEED) -> dict:
    """Everything the panel needs that is not timed: the cluster map, a start year, payroll and establishments."""
    rng = np.random.default_rng(seed + 1)
    r, k = x.shape
    cluster_of = rng.permutation(np.arange(k) % N_CLUSTERS)  # every cluster gets ≥ 1 industry
    scope = np.array(["traded"] * N_TRADED + ["local"] * (N_CLUSTERS - N_TRADED))
    # start year, 5 years earlier: industry-level growth drift × cell noise; some cells new since the start
    drift = rng.normal(0.03, 0.03, k)
    x0 = np.round(x / np.exp(5 * drift)[None, :] * rng.lognormal(0.0, 0.15, (r, k)))
    x0[rng.random((r, k)) < 0.03] = 0.0
    wage = rng.lognormal(np.log(55_000), 0.35, k)  # industry average wage
    payroll = x * wage[None, :] * rng.lognormal(0.0, 0.1, (r, k))
    establishments = np.ceil(x / rng.lognormal(np.log(12.0), 0.8, (r, k)))
    return {
        "x": x,
        "x0": x0,
        "payroll": payroll,
        "establishments": establishments,
        "cluster_of": cluster_of,
        "scope": scope,
        "window_years": 5,
    }


def build_panel(inp: dict) -> economic.EconomicPanel:
    """Aggregate industries to clusters (one dense matmul each) and build the panel, self-benchmarked."""
    k = inp["x"].shape[1]
    onehot = np.zeros((k, N_CLUSTERS))
    onehot[np.arange(k), inp["cluster_of"]] = 1.0
    emp, emp0 = inp["x"] @ onehot, inp["x0"] @ onehot
    payroll, est = inp["payroll"] @ onehot, inp["establishments"] @ onehot
    scope = inp["scope"]
    traded = scope == "traded"
    region_total = {"traded": emp[:, traded].sum(1), "local": emp[:, ~traded].sum(1), "all": emp.sum(1)}
    start_total = {"traded": emp0[:, traded].sum(), "local": emp0[:, ~traded].sum(), "all": emp0.sum()}
    r = emp.shape[0]
    return economic.EconomicPanel(
        regions=pd.Index([f"{i:05d}" for i in range(r)], name="region"),
        clusters=pd.Index([f"c{j:02d}" for j in range(N_CLUSTERS)], name="cluster"),
        scope=scope,
        employment=emp,
        establishments=est,
        payroll=payroll,
        region_total=region_total,
        benchmark_cluster=emp.sum(0),
        benchmark_total={key: float(v.sum()) for key, v in region_total.items()},
        benchmark_payroll=payroll.sum(0),
        benchmark_total_payroll=float(payroll.sum()),
        employment_start=emp0,
        benchmark_cluster_start=emp0.sum(0),
        benchmark_total_start=start_total,
        window_years=inp["window_years"],
    )


def composite_inputs(panel: economic.EconomicPanel, ind: pd.DataFrame) -> pd.DataFrame:
    """The methodology's economic indicators from the long indicator frame (same (region, cluster) index).

    * competitive_shift = shift-share competitive effect per job at the window start (NaN for a zero start);
    * national_growth = national cluster CAGR; industry_mix = national cluster CAGR − all-industry national CAGR.
    """
    start = panel.employment_start.reshape(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        competitive = np.where(start > 0, ind["ss_competitive"].to_numpy() / start, np.nan)
    years = panel.window_years
    overall = (panel.benchmark_total["all"] / panel.benchmark_total_start["all"]) ** (1.0 / years) - 1.0
    national = ind["national_cagr"].to_numpy()
    return pd.DataFrame(
        {
            "lq": ind["lq"].to_numpy(),
            "scale": ind["scale"].to_numpy(),
            "competitive_shift": competitive,
            "cagr": ind["cagr"].to_numpy(),
            "relatedness_density": ind["relatedness_density"].to_numpy(),
            "related_strength": ind["related_strength"].to_numpy(),
            "national_growth": national,
            "industry_mix": national - overall,
            "job_quality": ind["job_quality"].to_numpy(),
        },
        index=ind.index,
    )


def full_pipeline(inp: dict, spec: dict, stages: dict | None = None):
    """Panel → indicators → composite inputs → scores (no uncertainty); per-stage times go into ``stages``."""
    t = [time.perf_counter()]
    panel = build_panel(inp)
    t.append(time.perf_counter())
    ind = economic.economic_indicators(panel)
    t.append(time.perf_counter())
    frame = composite_inputs(panel, ind)
    t.append(time.perf_counter())
    scores, prepared = composite.score(frame, spec, uncertainty=False)
    t.append(time.perf_counter())
    if stages is not None:
        for name, a, b in zip(("panel", "indicators", "inputs", "score"), t, t[1:], strict=False):
            stages.setdefault(name, []).append(b - a)
    return frame, scores, prepared


# ----------------------------------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------------------------------


def bench_size(name: str, args, spec: dict, workdir: Path) -> dict:
    r, k = SIZES[name]
    big = name == "3143x1000"
    x = generate(r, k)
    res = {"size": name, "zero_share": float((x == 0).mean()), "load_start": load()}
    reps = args.repeats or (3 if args.quick else (7 if big else 20))

    res["engine_s"], _, (lq, m, phi, _dens) = timed(lambda: engine_relatedness(x), reps)
    loc, prod = np.repeat(np.arange(r), k), np.tile(np.arange(k), r)
    val = x.ravel()
    res["engine_long_s"], _, _ = timed(lambda: engine_from_long(loc, prod, val, r, k), reps)
    stage = {}
    for label, fn in (
        ("rca", lambda: economic.rca(x)),
        ("presence", lambda: economic.presence(lq)),
        ("proximity", lambda: economic.proximity(m)),
        ("density", lambda: economic.density(m, phi)),
    ):
        stage[label], _, _ = timed(fn, reps)
    res["engine_stages"] = stage

    if args.quick:
        res["peer_s"] = res["speedup"] = None
    else:
        peer_reps = args.peer_repeats or (3 if not big else 3)
        peer = run_peer(x, peer_reps, workdir)
        res["peer_times"] = peer["times"]
        res["peer_s"] = float(np.median(peer["times"]))
        res["peer_versions"] = peer["versions"]
        res["agreement"] = check_against_peer(x, lq, m, phi, peer)
        res["speedup"] = res["peer_s"] / res["engine_s"]
        res["speedup_long"] = res["peer_s"] / res["engine_long_s"]

    inp = pipeline_inputs(x)
    stages: dict = {}
    p_reps = 2 if args.quick else 5
    full_pipeline(inp, spec)  # warm-up
    times = []
    for _ in range(p_reps):
        t0 = time.perf_counter()
        frame, _scores, prepared = full_pipeline(inp, spec, stages)
        times.append(time.perf_counter() - t0)
    res["full_pipeline_s"] = float(np.median(times))
    res["pipeline_stages"] = {key: float(np.median(v)) for key, v in stages.items()}
    res["units"] = len(frame)

    # Monte Carlo: the engine's own routine over the same units, on the prepared panel with all three methods.
    prepared = composite.prepare(frame, spec, methods=DEFAULT_NORMALISATIONS)
    groups = frame.index.get_level_values(0)
    mc_reps = args.mc_repeats or 1
    times = []
    for _ in range(mc_reps):
        t0 = time.perf_counter()
        composite.monte_carlo(prepared, spec, args.draws, spec["uncertainty"]["seed"], rank_groups=groups)
        times.append(time.perf_counter() - t0)
    res["monte_carlo_s"] = float(np.median(times))
    res["draws"] = args.draws
    res["load_end"] = load()
    return res


def fmt(v, unit="s"):
    if v is None:
        return "—"
    if unit == "s":
        return f"{v * 1000:.1f} ms" if v < 1 else f"{v:.2f} s"
    return f"{v:.1f}×"


def print_table(results: list[dict], args) -> None:
    names = [r["size"] for r in results]
    rows = [
        ("zero cells", [f"{r['zero_share']:.2%}" for r in results]),
        ("engine rca+presence+proximity+density", [fmt(r["engine_s"]) for r in results]),
        ("  rca", [fmt(r["engine_stages"]["rca"]) for r in results]),
        ("  presence", [fmt(r["engine_stages"]["presence"]) for r in results]),
        ("  proximity", [fmt(r["engine_stages"]["proximity"]) for r in results]),
        ("  density", [fmt(r["engine_stages"]["density"]) for r in results]),
        ("engine incl. long→dense pivot", [fmt(r["engine_long_s"]) for r in results]),
        ("ecomplexity() call", [fmt(r["peer_s"]) for r in results]),
        ("speedup (engine)", [fmt(r["speedup"], "x") for r in results]),
        ("speedup (engine incl. pivot)", [fmt(r.get("speedup_long"), "x") for r in results]),
        (
            "RCA max rel diff / density max abs diff",
            [
                f"{r['agreement']['rca_max_rel']:.1e} / {r['agreement']['density_max_abs']:.1e}"
                if "agreement" in r
                else "—"
                for r in results
            ],
        ),
        ("units (region × cluster)", [f"{r['units']:,}" for r in results]),
        ("full pipeline (indicators + score)", [fmt(r["full_pipeline_s"]) for r in results]),
        ("  panel build (aggregate to 67 clusters)", [fmt(r["pipeline_stages"]["panel"]) for r in results]),
        ("  economic_indicators", [fmt(r["pipeline_stages"]["indicators"]) for r in results]),
        ("  composite inputs", [fmt(r["pipeline_stages"]["inputs"]) for r in results]),
        ("  composite.score(uncertainty=False)", [fmt(r["pipeline_stages"]["score"]) for r in results]),
        (f"monte_carlo, {args.draws} draws", [fmt(r["monte_carlo_s"]) for r in results]),
        ("load avg 1/5/15 min at start", [r["load_start"] for r in results]),
        ("load avg 1/5/15 min at end", [r["load_end"] for r in results]),
    ]
    width = max(len(label) for label, _ in rows) + 2
    colw = max(18, *(len(v) for _, vals in rows for v in vals)) + 2
    print()
    print("".ljust(width) + "".join(n.rjust(colw) for n in names))
    for label, vals in rows:
        print(label.ljust(width) + "".join(v.rjust(colw) for v in vals))
    peer = next((r["peer_versions"] for r in results if "peer_versions" in r), None)
    print(
        f"\nBLAS/OpenMP threads: {THREADS}; numpy {np.__version__}, pandas {pd.__version__}; cores {os.cpu_count()}"
        + (f"; peer: {peer}" if peer else "")
    )
    print(
        "Times: median of repeats after a warm-up (peer: median of its calls; Monte Carlo: median of "
        f"{args.mc_repeats or 1}); computation only."
    )


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the ecomplexity peer; fewer repeats")
    parser.add_argument("--draws", type=int, default=1000, help="Monte Carlo draws (default 1000)")
    parser.add_argument("--threads", default="1", help="BLAS/OpenMP threads (default 1, a Celery worker's share)")
    parser.add_argument("--repeats", type=int, default=0, help="engine repeats (default 20 / 7; --quick 3)")
    parser.add_argument("--peer-repeats", type=int, default=0, help="ecomplexity calls per size (default 3)")
    parser.add_argument("--mc-repeats", type=int, default=0, help="Monte Carlo repeats (default 1)")
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma-separated, from " + ", ".join(SIZES))
    args = parser.parse_args(argv)
    import tempfile

    spec = validate_spec(default_spec())
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        for name in args.sizes.split(","):
            print(f"[{time.strftime('%H:%M:%S')}] {name}: load {load()}", flush=True)
            results.append(bench_size(name, args, spec, Path(tmp)))
    print_table(results, args)
    last = results[-1]
    line = {key: last[key] for key in ("size", "engine_s", "peer_s", "speedup", "full_pipeline_s", "monte_carlo_s")}
    for key in ("engine_s", "peer_s", "full_pipeline_s", "monte_carlo_s"):
        if line[key] is not None:
            line[key] = round(line[key], 4)
    if line["speedup"] is not None:
        line["speedup"] = round(line["speedup"], 1)
    print(json.dumps(line))
    return line


if __name__ == "__main__":
    main()
