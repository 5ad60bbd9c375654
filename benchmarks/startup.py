"""Start-up time of the command line (a benchmark, not a test).

    .venv/bin/python benchmarks/startup.py            # median of 5 runs per command
    .venv/bin/python benchmarks/startup.py --runs 11  # more runs
    .venv/bin/python benchmarks/startup.py --imports  # also: the 12 costliest imports of each command

Each command runs as a fresh process of the installed entry point (``.venv/bin/finmodel``), the way
a user starts it; the figure is the wall time from ``fork`` to exit, the median of ``--runs`` runs
after one warm-up run (which fills the page cache), with the CPU seconds of the median run. The
machine's load (``/proc/loadavg``) is printed before and after: the targets of issue 15 (``--help``
and ``validate`` ≤ 0.3 s, ``evaluate`` ≤ 0.6 s) are for an otherwise idle 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "assumptions" / "seed_fs2024.toml"
DEMAND = ROOT / "assumptions" / "demand" / "seed_china_market.toml"

#: (label, arguments, target in seconds or None)
COMMANDS: list[tuple[str, list[str], float | None]] = [
    ("finmodel --help", ["--help"], 0.3),
    ("finmodel --version", ["--version"], None),
    ("finmodel validate seed", ["validate", str(SEED)], 0.3),
    ("finmodel evaluate seed", ["evaluate", str(SEED)], 0.6),
    ("finmodel evaluate seed --json", ["evaluate", str(SEED), "--json"], 0.6),
    ("finmodel fields", ["fields"], None),
    ("finmodel sweep --help", ["sweep", "--help"], None),
    ("finmodel demand seed", ["demand", str(DEMAND)], None),
]


def entry_point() -> list[str]:
    exe = ROOT / ".venv" / "bin" / "finmodel"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "finmodel"]


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:  # pragma: no cover - not Linux
        return "n/a"


def _env() -> dict[str, str]:
    """The runs' environment: this checkout's code first (the entry point of an editable install may
    belong to another worktree), a fixed terminal width, one BLAS thread."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "COLUMNS": "100", "PYTHONPATH": path, "OPENBLAS_NUM_THREADS": "1"}


def run_once(args: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one run of the CLI."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run([*entry_point(), *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       env=_env())
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise SystemExit(f"finmodel {' '.join(args)} failed ({p.returncode}): {p.stderr.decode()[-300:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def costliest_imports(args: list[str], n: int = 12) -> list[tuple[int, str]]:
    """The ``n`` top-level imports with the largest cumulative time (µs) under ``python -X importtime``."""
    p = subprocess.run([sys.executable, "-X", "importtime", "-m", "finmodel", *args], cwd=ROOT,
                       capture_output=True, text=True, env=_env())
    rows = []
    for line in p.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line.split("|")
            if not cumulative.strip().isdigit() or len(name) - len(name.lstrip()) != 1:
                continue  # the header, or an import made by another import
            rows.append((int(cumulative), name.strip()))
    return sorted(rows, reverse=True)[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--imports", action="store_true")
    opts = ap.parse_args()
    print(f"finmodel start-up, median of {opts.runs} runs (after one warm-up) on {os.cpu_count()} cores; "
          f"load average before: {loadavg()}")
    print(f"{'command':<34}{'wall s':>8}{'min s':>8}{'CPU s':>8}{'target':>9}")
    for label, args, target in COMMANDS:
        run_once(args)  # warm-up: page cache, .pyc files
        runs = sorted((run_once(args) for _ in range(opts.runs)), key=lambda r: r[0])
        median = runs[len(runs) // 2]
        mark = "" if target is None else f"≤ {target:.1f}" + (" ok" if median[0] <= target else " MISSED")
        print(f"{label:<34}{median[0]:>8.3f}{runs[0][0]:>8.3f}{median[1]:>8.3f}  {mark}")
        if opts.imports:
            for us, name in costliest_imports(args):
                print(f"    {us / 1e3:8.1f} ms  {name}")
    print(f"load average after: {loadavg()}")


if __name__ == "__main__":
    main()
