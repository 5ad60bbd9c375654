"""Time to write the live Excel workbook for a 120-month horizon (targets: ≤ 0.5 s and ≤ 1 s, issue 15).

Builds the seed scenario with a 120-month horizon and times ``workbook.workbook_bytes`` — every
sheet: Cover, Inputs, both timelines, Summary with its charts, IRR solver, Checks, Definitions
(~13,000 formula cells) — without and with the Sensitivity sheet (which also runs the engine's
tornado and grid), a workbook of three scenarios, a 360-month workbook, and reading a workbook
back (``workbook.read_workbook``). Prints the best and median of several runs, their CPU seconds,
and the machine's load (1-minute average before and after).

    .venv/bin/python benchmarks/workbook.py [--runs 7]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_TODAY_S = 0.5  # 120 months, the sheets of issue 10 (issue 15)
TARGET_ALL_S = 1.0  # 120 months, every sheet issue 13 adds


def _time(fn, runs: int) -> tuple[float, float, float]:
    """(best wall, median wall, median CPU) seconds of ``runs`` calls after a warm-up."""
    fn()  # warm-up: imports, openpyxl style tables
    walls, cpus = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return min(walls), statistics.median(walls), statistics.median(cpus)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    from finmodel import schema, workbook

    load0 = os.getloadavg()[0]
    seed = schema.load(ROOT / "assumptions" / "seed_fs2024.toml")
    s120 = seed.replace({"general.horizon_months": 120})
    s360 = seed.replace({"general.horizon_months": 360})
    presets = [schema.load(p).replace({"general.horizon_months": 120})
               for p in sorted((ROOT / "assumptions").glob("*.toml"))[:3]]
    data = workbook.workbook_bytes(s120)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        formulas = sum(zf.read(n).count(b"<f>") for n in zf.namelist() if n.startswith("xl/worksheets/"))
        sheets = len([n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")])
    print(f"120-month workbook: {len(data) / 1e3:,.0f} kB, {sheets} sheets, {formulas:,} formula cells; "
          f"{os.cpu_count()} CPUs, load {load0:.2f}")
    rows = [
        ("write 120 months, no Sensitivity sheet", lambda: workbook.workbook_bytes(s120, sensitivity=False)),
        ("write 120 months, with Sensitivity sheet", lambda: workbook.workbook_bytes(s120)),
        ("write 3 scenarios × 120 months, Sensitivity", lambda: workbook.workbook_bytes(presets)),
        ("write 360 months, with Sensitivity sheet", lambda: workbook.workbook_bytes(s360)),
        ("read a 120-month workbook back", lambda: workbook.read_workbook(data)),
    ]
    best = {}
    for label, fn in rows:
        b, med, cpu = _time(fn, args.runs)
        best[label] = b
        print(f"{label:<46} best {b * 1e3:6.0f} ms   median {med * 1e3:6.0f} ms   CPU {cpu * 1e3:6.0f} ms")
    b = best[rows[0][0]]
    print(f"target: 120 months without Sensitivity in ≤ {TARGET_TODAY_S:.1f} s — "
          f"{'meets' if b <= TARGET_TODAY_S else 'MISSES'} it ({b:.2f} s best)")
    b = best[rows[1][0]]
    print(f"target: 120 months with every sheet in ≤ {TARGET_ALL_S:.1f} s — "
          f"{'meets' if b <= TARGET_ALL_S else 'MISSES'} it ({b:.2f} s best)")
    print(f"load (1 min) before {load0:.2f}, after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
