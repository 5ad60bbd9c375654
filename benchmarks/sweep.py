"""Speed and memory of sweeps and Monte Carlo (a benchmark, not a test).

    .venv/bin/python benchmarks/sweep.py            # 1M sweep, 1M Monte Carlo, loop baseline, 10M streamed
    .venv/bin/python benchmarks/sweep.py --quick    # 200k each, 2M streamed
    .venv/bin/python benchmarks/sweep.py --profile  # also: where the time goes in one chunk
    .venv/bin/python benchmarks/sweep.py --portfolio-only   # only (5): portfolio sweep and Monte Carlo

Prints:

1. scenarios/second for 1,000,000 heavy-asset scenarios (the seed case; occupancy × rental price ×
   server price grid, 60 months) with payback, NPV and IRR, through ``finmodel.analysis.sweep.run``;
   (1b) the same grid with every deal switch of issue 12 on (:data:`ALL_ON`) and its ratio to (1),
   wall and CPU (the fastest of ``--repeat`` runs each);
2. the same for Monte Carlo draws (``finmodel.analysis.montecarlo.run``, the default distributions);
3. the per-scenario Python loop a user would write with numpy-financial — build the scenario,
   evaluate it, ``npf.npv`` + ``npf.irr`` + a payback loop on its monthly equity cash flow — timed on
   a 1,000-scenario sample, and the ratio to (1); plus the metrics alone (numpy-financial loop vs
   the vectorised IRR/NPV/payback on the same cash-flow rows);
4. peak RSS of this process, and of a separate process streaming a 10,000,000-scenario sweep to a
   Parquet file (memory bounded by chunking, not by the grid);
5. portfolios/second of a sweep of the three-generation preset (``--portfolio N``, default 10,000:
   all rental prices × f against the H800 cohort's occupancy, company payback/NPV/IRR/peak funding)
   and of a Monte Carlo of N draws of its company-wide shocks, through the same ``sweep.run`` /
   ``montecarlo.run``; with /proc/loadavg before and after.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy_financial as npf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from finmodel import model, schema  # noqa: E402
from finmodel.analysis import executors, montecarlo, sweep  # noqa: E402
from finmodel.model import irr, metrics, results  # noqa: E402
from finmodel.schema import inert  # noqa: E402

SEED = ROOT / "assumptions" / "seed_fs2024.toml"
THREE_GENERATIONS = ROOT / "assumptions" / "portfolio" / "three_generations.toml"
METRICS = ["heavy.payback_months", "heavy.npv_cny", "heavy.irr"]

#: Issue 12's deal switches all on over the seed (1b): a half take-or-pay contract at 7万 CNY/server-month
#: renewed at 0.9× market after 3 years, 20 % prepaid and a deposit, a falling market price index, SLA
#: credits, 60/30 receivable/payable days, VAT, tax by tax year with the statute's loss expiry, the
#: one-off deduction and a separate tax depreciation, a capex grant and compute vouchers, cost
#: escalators and a spare server, and an equal-principal loan with a grace period, capitalised
#: interest during the 3-month lead time, an arrangement fee and DSCR sizing. Tax, bottom-up costs and
#: the lead time are set too, or those switches would have nothing to act on. Not here: a finance
#: lease (the alternative to the loan, not an addition) and fx.server_price_usd (it would replace the
#: swept heavy.server_price_cny, leaving that axis inert).
ALL_ON: dict[str, Any] = {
    "general.tax_rate": 0.25, "heavy.lead_time_months": 3,
    "heavy.cash_cost_method": "bottom_up", "heavy.colocation_cny_per_server_month": 3000.0,
    "heavy.staff_cny_per_month": 5000.0, "heavy.om_fixed_cny_per_server_month": 1000.0,
    "contract.share": 0.5, "contract.price_cny": 90000.0, "contract.term_months": 36,
    "contract.after_term": "renew", "contract.renewal_price_factor": 0.9,
    "contract.prepaid_share": 0.2, "contract.deposit_cny": 200000.0,
    "market.price_index": [1.0, 0.95, 0.9, 0.9, 0.9],
    "service.availability": 0.99, "service.sla_credit_share": 0.02,
    "working_capital.receivable_days": 60.0, "working_capital.payable_days": 30.0,
    "vat.mode": "on",
    "tax.basis": "tax_year", "tax.loss_carry_forward": "statute", "tax.one_off_deduction": "on",
    "tax.depreciation_method": "double_declining", "tax.depreciation_life_years": 3,
    "subsidy.capex_grant_share": 0.1, "subsidy.voucher_share_of_revenue": 0.05,
    "escalation.electricity_per_year": 0.03, "escalation.staff_per_year": 0.05,
    "escalation.colocation_per_year": 0.03, "escalation.om_fixed_per_year": 0.02, "escalation.spare_servers": 1,
    "financing.repayment": "equal_principal", "financing.grace_months": 6,
    "financing.lead_time_interest": "capitalised", "financing.upfront_fee_share": 0.01,
    "financing.sizing": "target_dscr", "financing.target_dscr": 1.3,
}


def grid_axes(n: int) -> list[str]:
    """A grid of about n scenarios: occupancy × price × server price."""
    k = round(n ** (1 / 3))
    return [f"heavy.occupancy=0.3:1.0:{k}", f"heavy.price_cny_per_card_hour=8:40:{k}",
            f"heavy.server_price_cny=1.0e6:2.0e6:{n // (k * k)}"]


def load() -> str:
    """The 1-minute load average now (other work sharing the cores inflates wall times)."""
    return f"load {os.getloadavg()[0]:.1f}"


def peak_rss_mb() -> float:
    """Peak resident memory of this process (VmHWM; ru_maxrss would include a forking parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_sweep(s: schema.Scenario, n: int, repeat: int = 1) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of all threads, scenarios) of an in-memory sweep: the fastest of
    ``repeat`` runs after a warm-up."""
    axes = grid_axes(n)
    g = sweep.Grid.parse(axes)
    sweep.run(s, sweep.Grid.parse(grid_axes(20_000)), METRICS)  # warm-up (caches, thread pool)
    best = (math.inf, math.inf)
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        df = sweep.run(s, g, METRICS)
        best = min(best, (time.perf_counter() - t0, time.process_time() - c0))
        assert len(df) == g.size and df["heavy.irr"].notna().mean() > 0.5
        del df
    return best[0], best[1], g.size


def all_on(s: schema.Scenario) -> schema.Scenario:
    """The seed with :data:`ALL_ON`; every one of those inputs has an effect (no inert warning)."""
    a = s.replace(ALL_ON)
    idle = {f.path for f in inert.warnings(a)} & set(ALL_ON)
    assert not idle, f"inputs with no effect in the all-switches scenario: {sorted(idle)}"
    return a


def bench_montecarlo(s: schema.Scenario, n: int) -> tuple[float, float]:
    montecarlo.run(s, None, 20_000, 1, metrics=METRICS)
    t0, c0 = time.perf_counter(), time.process_time()
    r = montecarlo.run(s, None, n, 7, metrics=METRICS)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert r.n == n
    return secs, cpu


def payback_loop(cf: np.ndarray) -> float:
    """The seed's payback (last crossing of the cumulative flow, linear within the month), per row."""
    cum = np.cumsum(cf)
    if cum[-1] < 0:
        return float("nan")
    neg = np.flatnonzero(cum < 0)
    if neg.size == 0:
        return 0.0
    k = neg[-1] + 1
    return (k - 1) + (-cum[k - 1]) / cf[k]


def bench_loop(s: schema.Scenario, n: int = 1000) -> tuple[float, float, float]:
    """Per-scenario loop with numpy-financial; returns (seconds per scenario for the full loop,
    for npf metrics alone, for the vectorised metrics alone: the best of 3 runs over 100,000 rows in
    chunks of :data:`sweep.DEFAULT_CHUNK` on one thread of the local executor, after a warm-up)."""
    g = sweep.Grid.parse(grid_axes(1_000_000))
    rows = g.rows(0, g.size)
    pick = np.random.default_rng(0).choice(g.size, n, replace=False)
    r_m = (1 + s.general.discount_rate_per_year) ** (1 / 12) - 1
    t0 = time.perf_counter()
    flows = []
    for i in pick:
        sc = s.replace({p: float(v[i]) for p, v in rows.items()})
        cf = model.evaluate(sc).heavy_monthly["equity_cash_flow_with_terminal_cny"].to_numpy()
        npf.npv(r_m, cf), npf.irr(cf), payback_loop(cf)
        flows.append(cf)
    loop = (time.perf_counter() - t0) / n
    cf = np.array(flows)
    t0 = time.thread_time()  # CPU time of this thread, for both: robust to other load on the machine
    for row in cf:
        npf.npv(r_m, row), npf.irr(row), payback_loop(row)
    metrics_loop = (time.thread_time() - t0) / n
    big = np.tile(cf, (100, 1))  # 100,000 rows for a stable vectorised timing
    one = executors.LocalExecutor(workers=1)  # one thread, chunks of rows as a sweep evaluates them
    tasks = [(big[a:b], r_m) for a, b in executors.chunks(len(big), sweep.DEFAULT_CHUNK)]
    list(one.map(vector_metrics, tasks[:2]))  # warm-up (the IRR grid of 61 periods)
    times = []
    for _ in range(3):
        t0 = time.thread_time()
        list(one.map(vector_metrics, tasks))
        times.append(time.thread_time() - t0)
    return loop, metrics_loop, min(times) / big.shape[0]


def vector_metrics(cf: np.ndarray, r_m: float) -> np.ndarray:
    """IRR, NPV and payback of every row of ``cf`` with the engine's functions (the seed's payback,
    the same as :func:`payback_loop`)."""
    t = np.arange(cf.shape[1], dtype=float)
    irr.irr(cf)
    cf @ (1 + r_m) ** -t
    cum = np.cumsum(cf, axis=1)
    return metrics.payback_months(cum, metrics.payback_crossing(cum, cf, t))


def bench_big(n: int) -> tuple[float, float, int]:
    """Stream an n-scenario sweep to Parquet in a child process; return (seconds, peak RSS MB, rows)."""
    code = (
        "import sys, time; sys.path.insert(0, %r)\n"
        "from finmodel import schema\n"
        "from finmodel.analysis import sweep\n"
        "from benchmarks.sweep import grid_axes, METRICS, peak_rss_mb\n"
        "s = schema.load(%r); t = time.perf_counter()\n"
        "r = sweep.write(s, grid_axes(%d), %r, METRICS)\n"
        "print(time.perf_counter() - t, peak_rss_mb(), r.rows)\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "big.parquet")
        proc = subprocess.run([sys.executable, "-c", code % (str(ROOT), str(SEED), n, out)], capture_output=True,
                              text=True, check=True)
        secs, rss, rows = proc.stdout.split()
        return float(secs), float(rss), int(rows)


def bench_portfolio(n: int) -> None:
    """(5): a grid of n portfolios and n Monte Carlo draws of the three-generation preset."""
    from finmodel.schema import portfolio

    p = portfolio.load(THREE_GENERATIONS)
    k = round(n ** 0.5)
    axes = [f"shocks.price_factor=0.5:1.5:{k}", f"cohorts.h800_2023.heavy.occupancy=0.3:1.0:{n // k}"]
    sweep.run(p, sweep.Grid.parse(["shocks.price_factor=0.5:1.5:20", "cohorts.h800_2023.heavy.occupancy=0.3:1:10"],
                                  on=p))  # warm-up
    print(f"portfolio  {p.name}: {len(p.cohorts)} cohorts, {p.horizon_months} months; loadavg "
          f"{Path('/proc/loadavg').read_text().split(' ', 3)[:3]}")
    g = sweep.Grid.parse(axes, on=p)
    t0, c0 = time.perf_counter(), time.process_time()
    df = sweep.run(p, g)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert len(df) == g.size and df["company.npv_cny"].notna().all()
    print(f"p. sweep   {g.size:>10,} portfolios in {secs:6.2f} s = {g.size / secs:>10,.0f} portfolios/s "
          f"({cpu:.1f} CPU s; {g.size * len(p.cohorts) / secs:,.0f} cohort-scenarios/s)")
    t0, c0 = time.perf_counter(), time.process_time()
    r = montecarlo.run(p, None, n, 7)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert r.n == n
    print(f"p. mc      {n:>10,} draws      in {secs:6.2f} s = {n / secs:>10,.0f} draws/s ({cpu:.1f} CPU s; "
          f"{', '.join(r.distributions)}); loadavg {Path('/proc/loadavg').read_text().split(' ', 3)[:3]}")


def profile_chunk(s: schema.Scenario, n: int = sweep.DEFAULT_CHUNK, reps: int = 10) -> None:
    """CPU time per line item of the heavy model for one chunk of ``n`` scenarios, through the real
    engine (each item's function wrapped in a timer), averaged over ``reps`` evaluations with freed
    memory kept as during a sweep, and the shape each line had (n × 61 or computed once)."""
    import dataclasses

    from finmodel.analysis.memory import keep_freed_memory
    from finmodel.model import engine, heavy

    g = sweep.Grid.parse(grid_axes(1_000_000))
    params, h = model.batch_params(s, g.rows(0, n))
    times: dict[str, float] = {}
    shapes: dict[str, tuple[int, ...]] = {}

    def timed(it: engine.Item) -> engine.Item:
        def fn(m: Any) -> Any:
            t0 = time.thread_time()  # CPU time of this thread: robust to other load on the machine
            v = it.fn(m)
            if isinstance(m, engine.NumpyContext):
                times[it.key] = times.get(it.key, 0.0) + time.thread_time() - t0
                shapes[it.key] = np.shape(v)
            return v
        return dataclasses.replace(it, fn=fn)

    items = [timed(it) for it in heavy.ALL]
    keys = [results.split(m)[1] for m in METRICS]
    with keep_freed_memory():
        engine.evaluate(items, params, h + 1, keys=keys)  # warm-up
        times.clear()
        for _ in range(reps):
            engine.evaluate(items, params, h + 1, keys=keys)
    times = {k: v / reps for k, v in times.items()}
    total = sum(times.values())
    print(f"\nprofile: one chunk of {n:,} scenarios, {len(times)} line items, {total * 1e3:.1f} CPU ms "
          f"({total / n * 1e6:.1f} µs/scenario on one core; {load()})")
    for k, v in sorted(times.items(), key=lambda kv: -kv[1])[:int(os.environ.get("PROFILE_TOP", "12"))]:
        print(f"  {k:42s} {v * 1e3:8.2f} ms  {v / total:5.1%}  shape {shapes[k]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="200k scenarios and draws, a 2M streamed sweep")
    ap.add_argument("--big", type=int, default=None, help="scenarios in the streamed sweep (default 10M; 0 skips)")
    ap.add_argument("--profile", action="store_true", help="time per line item of one chunk (seed and all-on)")
    ap.add_argument("--repeat", type=int, default=2, help="runs of each 1M sweep; the fastest is printed")
    ap.add_argument("--portfolio", type=int, default=10_000, help="portfolios in (5) (0 skips)")
    ap.add_argument("--portfolio-only", action="store_true", help="run (5) only")
    args = ap.parse_args()
    if args.portfolio_only:
        bench_portfolio(args.portfolio)
        return
    n = 200_000 if args.quick else 1_000_000
    big = args.big if args.big is not None else (2_000_000 if args.quick else 10_000_000)
    s = schema.load(SEED)
    print(f"machine: {os.cpu_count()} cores; numpy {np.__version__}; engine local ({executors.LocalExecutor().workers} "
          f"threads), chunk {sweep.DEFAULT_CHUNK:,} scenarios; 60-month horizon; results {', '.join(METRICS)}")

    print(f"load       {os.getloadavg()[0]:.1f} (1-minute load average before the runs; > 0 means other work "
          "shares the cores and wall times grow — CPU seconds are the steadier figure)")
    at = load()
    secs, cpu, size = bench_sweep(s, n, args.repeat)
    print(f"sweep      {size:>10,} scenarios in {secs:6.2f} s = {size / secs:>10,.0f} scenarios/s "
          f"({cpu:.1f} CPU s = {cpu / size * 1e6:.1f} µs/scenario; {at}; target ≤ 1.5 s)")
    at = load()
    on_secs, on_cpu, _ = bench_sweep(all_on(s), n, args.repeat)
    print(f"sweep+deal {size:>10,} scenarios in {on_secs:6.2f} s = {size / on_secs:>10,.0f} scenarios/s "
          f"({on_cpu:.1f} CPU s = {on_cpu / size * 1e6:.1f} µs/scenario; {at}; every deal switch on: "
          f"{on_secs / secs:.2f}× the seed's wall, {on_cpu / cpu:.2f}× its CPU; target ≤ 1.5×)")
    at = load()
    mc_secs, mc_cpu = bench_montecarlo(s, n)
    print(f"montecarlo {n:>10,} draws     in {mc_secs:6.2f} s = {n / mc_secs:>10,.0f} draws/s "
          f"({mc_cpu:.1f} CPU s = {mc_cpu / n * 1e6:.1f} µs/draw; {at}; target ≤ 1.5 s)")
    at = load()
    loop, m_loop, m_vec = bench_loop(s)
    print(f"loop       {1000:>10,} scenarios in {loop * 1000:6.2f} s = {1 / loop:>10,.0f} scenarios/s "
          f"(Scenario.replace + model.evaluate + npf.npv/npf.irr/payback per scenario; {at})")
    print(f"ratio      vectorised sweep / loop = {loop / (secs / size):,.0f}×")
    print(f"metrics    numpy-financial loop {m_loop * 1e6:,.0f} µs/row vs vectorised {m_vec * 1e6:,.2f} µs/row "
          f"= {m_loop / m_vec:,.0f}× (IRR + NPV + payback on the same 61-month rows, in chunks of "
          f"{sweep.DEFAULT_CHUNK:,} rows as a sweep; CPU time of one thread; {at}; target ≥ 150×)")
    print(f"memory     peak RSS of this process {peak_rss_mb():,.0f} MB")
    if big:
        b_secs, b_rss, rows = bench_big(big)
        print(f"streamed   {rows:>10,} scenarios to Parquet in {b_secs:6.1f} s = {rows / b_secs:>10,.0f} scenarios/s, "
              f"peak RSS {b_rss:,.0f} MB")
    if args.portfolio:
        bench_portfolio(args.portfolio)
    if args.profile:
        profile_chunk(s)
        profile_chunk(all_on(s))


if __name__ == "__main__":
    main()
