"""Server-side time of one dashboard rerun after a rental-price change (target ≤ 100 ms, issue 15),
and of the portfolio page after a purchase month is shifted in its cohort table (issue 14; no target).

Runs ``app.py`` headless in ``streamlit.testing.v1.AppTest`` on the default scenario, then changes
the price widget to a new value each time (so every rerun misses the engine cache, as a user's
first visit to that price does) and times ``AppTest.run()``: the callback, the one cached engine
call, building every widget and chart of the overview page, and AppTest's own bookkeeping (so the
figure is an upper bound on the server's work). On the portfolio page (preset ``h800_lots``) each
rerun shifts one cohort's purchase month to a month not seen before: one portfolio engine call
(``portfolio_result.evaluate``) plus the page.

    .venv/bin/python benchmarks/app_rerun.py [--runs 30]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 100.0
PRICE_KEY = "in:heavy.price_cny_per_card_hour"


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    load_before = os.getloadavg()
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from streamlit.testing.v1 import AppTest

    # streamlit resets its loggers' levels; a filter drops the bare-mode warning AppTest triggers
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage())

    from finmodel import model, schema

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    assert not at.exception, at.exception
    base = float(at.number_input(key=PRICE_KEY).value or 0.0)  # the seed's price (a number input is never empty here)
    for i in range(3):  # warm-up: imports, Altair schema, Arrow
        at.number_input(key=PRICE_KEY).set_value(base + 0.01 * (i + 1)).run()
    times, cpu = [], []
    for i in range(args.runs):
        at.number_input(key=PRICE_KEY).set_value(round(base * (0.8 + 0.4 * i / args.runs), 4))
        t, c = time.perf_counter(), time.process_time()
        at.run()
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        assert not at.exception, at.exception
    portfolio_times, portfolio_engine_ms = portfolio_reruns(at, args.runs)
    s = schema.load(ROOT / "assumptions" / "seed_fs2024.toml")
    n = 20
    t = time.perf_counter()
    for i in range(n):
        model.evaluate(s.replace({"heavy.price_cny_per_card_hour": 20.0 + i}))
    engine_ms = (time.perf_counter() - t) / n * 1000
    med = statistics.median(times)
    p90 = sorted(times)[int(0.9 * (len(times) - 1))]
    print(f"first run (cold, imports):      {first * 1000:8.1f} ms")
    print(f"engine call (model.evaluate):   {engine_ms:8.1f} ms")
    print(f"rerun after a price change:     median {med:.1f} ms, p90 {p90:.1f} ms, min {min(times):.1f} ms, "
          f"max {max(times):.1f} ms over {len(times)} runs; CPU median {statistics.median(cpu):.1f} ms")
    print(f"target ≤ {TARGET_MS:.0f} ms: {'met' if med <= TARGET_MS else 'NOT met'} (median)")
    print(f"portfolio page, engine call:    {portfolio_engine_ms:8.1f} ms (portfolio_result.evaluate, h800_lots)")
    print(f"portfolio page, month shifted:  median {statistics.median(portfolio_times):.1f} ms, min "
          f"{min(portfolio_times):.1f} ms, max {max(portfolio_times):.1f} ms over {len(portfolio_times)} runs")
    print(f"load (1/5/15 min, /proc/loadavg): before {' '.join(f'{x:.2f}' for x in load_before)}, "
          f"after {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores "
          "(other work on the machine inflates the times)")


def portfolio_reruns(at, runs: int) -> tuple[list[float], float]:
    """Rerun times [ms] of the portfolio page, each after a purchase month is shifted in the cohort
    editor (a month not seen before: a cache miss), and one engine call's time [ms]."""
    from finmodel.model import portfolio_result
    from finmodel.ui import portfolio_state as ps

    at.switch_page("app_pages/portfolio.py").run()
    assert not at.exception, at.exception
    p = at.session_state[ps.PF]
    row = len(p.cohorts) - 1
    last = p.cohorts[row]
    months = [m for m in range(1, p.horizon_months) if m != last.purchase_month][: runs + 2]
    times = []
    for i, month in enumerate(months):
        at.session_state[f"portfolio_editor_{at.session_state[ps.VERSION]}"] = {
            "edited_rows": {row: {"purchase_month": month}}, "added_rows": [], "deleted_rows": []}
        t = time.perf_counter()
        at.run()
        if i >= 2:  # the first two warm up the page's imports and charts
            times.append((time.perf_counter() - t) * 1000)
        assert not at.exception and at.session_state[ps.PF].cohorts[row].purchase_month == month, at.exception
    t = time.perf_counter()
    for month in months[:5]:
        portfolio_result.evaluate(p.replace({f"cohorts.{last.name}.purchase_month": month}))
    return times, (time.perf_counter() - t) / 5 * 1000


if __name__ == "__main__":
    main()
