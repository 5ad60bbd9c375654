"""Speed of portfolio evaluation (a benchmark, not a test).

    .venv/bin/python benchmarks/portfolio.py           # default and single-threaded BLAS, 100,000 portfolios
    .venv/bin/python benchmarks/portfolio.py --quick   # 20,000 portfolios
    .venv/bin/python benchmarks/portfolio.py --blas 1  # only with OPENBLAS_NUM_THREADS=1

Prints, with the machine's load (/proc/loadavg) before and after:

1. one 50-cohort portfolio (a purchase a month for 50 months; heavy and light cohorts, some with
   delivery slippage, some retired) through ``portfolio_result.evaluate`` — every company line,
   the cohort table and the fleet — median of 15 runs in ms (target ≤ 50 ms), and its company KPIs
   alone (``portfolio.evaluate_batch`` without rows);
2. a 100,000-portfolio sweep of a 5-cohort file (6 delivery tranches) with payback, NPV, IRR and
   peak funding, as cohort-scenarios a second (portfolios × 5 ÷ seconds; target ≥ 100,000):
   *grid* — rental-price shock × one cohort's occupancy × company staff (100 × 100 × 10; rows that
   repeat across portfolios are evaluated once), and *distinct* — price and capex shocks drawn at
   random (every cohort row different, the shape of a Monte Carlo run); each serially
   (``portfolio_analysis.evaluate``) and in chunks on the 2-thread local executor the analyses use.

Each setting runs in a child process: OpenBLAS's thread pool decides the cost of the IRR's grid
products (many small matrix products) on a shared, loaded machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIVE = """
name = "Benchmark: five cohorts"
[general]
horizon_months = 60
tax_rate = 0.25
[company]
staff_cny_per_month = 300000
loan_cny = 20000000
[cohorts.a]
[cohorts.a.heavy]
servers = 20
[cohorts.b]
purchase_month = 6
slip_months = 3
late_share = 0.4
[cohorts.b.heavy]
servers = 30
cash_cost_method = "bottom_up"
loan_share_of_capex = 0.5
[cohorts.c]
purchase_month = 12
retire_month = 40
successor = "d"
[cohorts.c.heavy]
servers = 10
[cohorts.d]
[cohorts.d.heavy]
servers = 10
price_cny_per_card_hour = 30
[cohorts.e]
model = "light"
purchase_month = 3
[cohorts.e.light]
capacity_p = 50
"""
METRICS = ["company.payback_months", "company.npv_cny", "company.irr", "company.peak_funding_cny"]


def fifty_cohorts() -> str:
    """A portfolio text: 50 cohorts bought a month apart over a 120-month company horizon."""
    out = ["[general]\nhorizon_months = 120\ntax_rate = 0.25\n[company]\nstaff_cny_per_month = 500000\n"
           "loan_cny = 5e7\n"]
    for i in range(50):
        if i % 5 == 4:
            out.append(f'[cohorts.c{i}]\nmodel = "light"\npurchase_month = {i}\n[cohorts.c{i}.light]\n'
                       f"capacity_p = {10 + i}\n")
            continue
        slip = "slip_months = 2\nlate_share = 0.3\n" if i % 3 == 0 else ""
        retire = f"retire_month = {i + 48}\n" if i % 7 == 0 else ""
        out.append(f"[cohorts.c{i}]\npurchase_month = {i}\n{slip}{retire}[cohorts.c{i}.heavy]\nservers = {1 + i}\n"
                   f'price_cny_per_card_hour = {15 + 0.3 * i}\ncash_cost_method = "bottom_up"\n'
                   "loan_share_of_capex = 0.3\n")
    return "".join(out)


def median_ms(fn, runs: int = 15) -> tuple[float, float]:
    """Median wall time and median CPU time of this process (ms): on a loaded shared machine the
    CPU time says what the code costs, the wall time what a user waits."""
    fn()
    times, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return 1000 * float(np.median(times)), 1000 * float(np.median(cpu))


def sweeps(n: int) -> dict[str, dict[str, np.ndarray]]:
    k = round((n / 10) ** 0.5)  # 100 × 100 × 10 for n = 100,000
    a, b, c = np.linspace(0.6, 1.4, k), np.linspace(0.5, 1.0, k), np.linspace(0, 5e5, 10)
    grid = np.stack(np.meshgrid(a, b, c, indexing="ij"), axis=-1).reshape(-1, 3)
    rng = np.random.default_rng(0)
    m = len(grid)
    return {
        "grid": {"shocks.price_factor": grid[:, 0], "cohorts.a.heavy.occupancy": grid[:, 1],
                 "company.staff_cny_per_month": grid[:, 2]},
        "distinct": {"shocks.price_factor": rng.uniform(0.6, 1.4, m), "shocks.capex_factor": rng.uniform(0.8, 1.2, m)},
    }


def child(n: int) -> None:
    from finmodel.analysis.executors import run_tasks
    from finmodel.model import portfolio as engine
    from finmodel.model import portfolio_analysis as pa
    from finmodel.model import portfolio_result
    from finmodel.schema import portfolio

    print(f"  OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}; "
          f"load {Path('/proc/loadavg').read_text().split()[:3]}")
    p50 = portfolio.parse(fifty_cohorts())
    (full, full_cpu), (kpis, kpis_cpu) = (median_ms(lambda: portfolio_result.evaluate(p50)),
                                          median_ms(lambda: engine.evaluate_batch(p50)))
    print(f"  50 cohorts ({len(p50.cohorts)} cohorts, {sum(1 + (c.slip_months > 0) for c in p50.cohorts)} rows, "
          f"120 months): evaluate {full:.1f} ms (CPU {full_cpu:.1f} ms; target ≤ 50), company KPIs alone "
          f"{kpis:.1f} ms (CPU {kpis_cpu:.1f} ms)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "five.toml"
        path.write_text(FIVE, encoding="utf-8")
        p = portfolio.load(path)
    for name, ov in sweeps(n).items():
        m = len(next(iter(ov.values())))
        t0, c0 = time.perf_counter(), time.process_time()
        out = pa.evaluate(p, ov, METRICS)
        serial, serial_cpu = time.perf_counter() - t0, time.process_time() - c0
        step = max(1, pa.CHUNK_CELLS // (6 * 61))
        tasks = [(p, {k: v[a:a + step] for k, v in ov.items()}, METRICS) for a in range(0, m, step)]
        t0 = time.perf_counter()
        parts = list(run_tasks("local", None, pa.evaluate, tasks))
        threaded = time.perf_counter() - t0
        same = all(np.array_equal(np.concatenate([q[k] for q in parts]), out[k], equal_nan=True) for k in out)
        print(f"  sweep {name:8s} {m:,} portfolios × 5 cohorts: serial {m * 5 / serial:,.0f} cohort-scenarios/s "
              f"({serial:.2f} s; {m * 5 / serial_cpu:,.0f} per CPU-second); "
              f"2 threads {m * 5 / threaded:,.0f}/s ({threaded:.2f} s); same results: {same}; "
              f"IRR found for {np.isfinite(out['company.irr']).mean():.0%}")
    print(f"  load after {Path('/proc/loadavg').read_text().split()[:3]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20,000 portfolios instead of 100,000")
    ap.add_argument("--blas", choices=("both", "default", "1"), default="both")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    n = 20_000 if args.quick else 100_000
    if args.child:
        child(n)
        return
    print(f"portfolio benchmark: {os.cpu_count()} CPUs, load {Path('/proc/loadavg').read_text().strip()}")
    settings = {"default": None, "1": "1"} if args.blas == "both" else {args.blas: None if args.blas == "default"
                                                                       else "1"}
    for label, threads in settings.items():
        env = dict(os.environ)
        if threads is not None:
            env["OPENBLAS_NUM_THREADS"] = threads
        print(f"BLAS threads: {label}")
        cmd = [sys.executable, __file__, "--child"] + (["--quick"] if args.quick else [])
        subprocess.run(cmd, env=env, check=True)


if __name__ == "__main__":
    main()
