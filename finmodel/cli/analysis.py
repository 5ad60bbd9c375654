"""CLI commands for analysis at scale: sweep, tornado, solve, montecarlo.

Tables show money in 万元 (10,000 CNY), payback in months ("never" = not recovered within the
horizon), rates in %; ``--json`` and output files keep base units (CNY, months, fractions).
Output files (.parquet or .csv) are written atomically: a temporary file in the same directory,
renamed when complete, removed on error or Ctrl-C.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from finmodel import schema
from finmodel.analysis import montecarlo, sensitivity, sweep
from finmodel.cli.common import CLIError, echo_json, friendly_errors, jsonable, load_scenario

FILE = typer.Argument(..., help="Scenario file (TOML), e.g. assumptions/seed_fs2024.toml.", show_default=False)
SET = typer.Option(None, "--set", help="Change an input first: PATH=VALUE (repeatable), e.g. "
                   "--set heavy.occupancy=0.8.")
METRIC = typer.Option(None, "--metric", "-m", help="A result to report, e.g. heavy.npv_cny or payback_months "
                      "(repeatable; see `finmodel evaluate --json` for the keys).")
JSON = typer.Option(False, "--json", help="Print JSON (money in CNY, payback in months, rates as fractions; "
                    "null = never / none).")
ENGINE = typer.Option("local", "--engine", help="local (threads on this machine) or dask.")
SCHEDULER = typer.Option(None, "--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (with --engine "
                         "dask; without it a local in-process cluster is started).")
NO_PROGRESS = typer.Option(False, "--no-progress", help="No progress bar (it is shown only on a terminal anyway).")
MAX_PRINT = 200


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("sweep")(sweep_cmd)
    app.command("tornado")(tornado_cmd)
    app.command("solve")(solve_cmd)
    app.command("montecarlo")(montecarlo_cmd)


# --------------------------------------------------------------------------- shared pieces
def _scenario(file: Path, sets: list[str] | None) -> schema.Scenario:
    s = load_scenario(file)
    changes: dict[str, Any] = {}
    for spec in sets or []:
        path, sep, value = spec.partition("=")
        path, value = path.strip(), value.strip()
        if not sep or not path or not value:
            raise CLIError(f"malformed --set {spec!r}: expected PATH=VALUE, e.g. heavy.occupancy=0.8")
        schema.field_spec(path)
        changes[path] = value
    return s.replace(changes, strict=False) if changes else s


def _engine(engine: str, scheduler: str | None) -> sweep.Engine:
    try:
        return sweep.get_engine(engine, scheduler)
    except RuntimeError as err:
        raise CLIError(str(err)) from None


@contextlib.contextmanager
def _progress(total: int, label: str, enabled: bool) -> Iterator[sweep.Progress | None]:
    """A rich progress bar on stderr (only on a terminal and unless disabled)."""
    con = Console(stderr=True)
    if not enabled or not con.is_terminal or total <= 0:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=con, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda k: bar.advance(task, k)


def _money_unit(unit: str) -> bool:
    """Inputs in CNY per something large (server, month, year, P) are shown in 万元; prices per
    card-hour or kWh stay in CNY."""
    return unit.startswith("CNY") and "hour" not in unit and "kWh" not in unit


def _show_input(x: float, unit: str) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    if _money_unit(unit):
        return f"{x / 1e4:,.2f}"
    if unit.startswith("fraction"):
        return f"{x * 100:,.1f} %"
    return f"{x:,.6g}"


def _input_unit(unit: str) -> str:
    if _money_unit(unit):
        return "万元" + unit[3:]
    return "%" if unit.startswith("fraction") else unit


def _show_result(x: float, metric: str) -> str:
    info = sweep.metric_info(metric)
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return info.nan_means
    if math.isinf(x):
        return "never" if info.nan_means == "never" else ("∞" if x > 0 else "-∞")
    if info.fmt in ("cny", "cny_per_p_year"):
        return f"{x / 1e4:,.2f}"
    if info.fmt == "months":
        return f"{x:,.1f}"
    if info.fmt == "frac":
        return f"{x * 100:,.1f} %"
    return f"{x:,.6g}"


def _result_unit(metric: str) -> str:
    info = sweep.metric_info(metric)
    return {"cny": "万元", "cny_per_p_year": "万元/P/年", "months": "months", "frac": "%"}.get(info.fmt, info.unit)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: jsonable(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


# --------------------------------------------------------------------------- sweep
@friendly_errors
def sweep_cmd(
    file: Path = FILE,
    grid: list[str] = typer.Option(None, "--grid", "-g", help="An input axis: PATH=START:STOP:COUNT (both ends "
                                   "included) or PATH=V1,V2,... (repeatable; all combinations are run)."),
    sets: list[str] = SET,
    metric: list[str] = METRIC,
    out: Path = typer.Option(None, "--out", "-o", help="Write every scenario to a .parquet or .csv file "
                             "(atomically). Without it the table is printed (up to 200 scenarios)."),
    chunk_size: int = typer.Option(sweep.DEFAULT_CHUNK, "--chunk-size", help="Scenarios per batch (memory ≈ "
                                   "chunk × ~40 KB per worker)."),
    engine: str = ENGINE,
    scheduler: str = SCHEDULER,
    no_progress: bool = NO_PROGRESS,
    as_json: bool = JSON,
) -> None:
    """Sweep a grid of inputs: payback, NPV, IRR and margin for every combination.

    Example: finmodel sweep s.toml --grid heavy.occupancy=0.5:1.0:11
    --grid heavy.price_cny_per_card_hour=15:30:16 --out results.parquet"""
    if not grid:
        raise CLIError("give at least one --grid PATH=START:STOP:COUNT (e.g. heavy.occupancy=0.5:1.0:11)")
    if chunk_size < 1:
        raise CLIError(f"--chunk-size must be at least 1 (got {chunk_size})")
    s = _scenario(file, sets)
    g = sweep.Grid.parse(grid)
    mets = sweep.metric_paths(metric or None, sweep.default_metrics_for(g.axes))
    if out is None and g.size > MAX_PRINT:
        raise CLIError(f"{g.size:,} scenarios are too many to print; write them with --out results.parquet (or .csv)")
    eng = _engine(engine, scheduler)
    try:
        if out is not None:
            writer = sweep.AtomicTableWriter(out)  # checks the name and directory before any work
            with writer, _progress(g.size, "sweep", not no_progress) as prog:
                import time

                t0 = time.perf_counter()
                for df in sweep.iter_sweep(s, g, mets, chunk_size=chunk_size, engine=eng, progress=prog):
                    writer.write(df)
                secs = time.perf_counter() - t0
            summary = {"file": str(out), "scenarios": g.size, "columns": list(g.axes) + mets, "seconds": secs,
                       "scenarios_per_second": g.size / secs if secs > 0 else None, "engine": eng.name}
            if as_json:
                echo_json(summary)
            else:
                typer.echo(f"wrote {g.size:,} scenarios × {len(g.axes) + len(mets)} columns to {out} in {secs:.2f} s "
                           f"({g.size / max(secs, 1e-9):,.0f} scenarios/s, engine {eng.name}); "
                           "money in CNY, payback in months (empty = never), rates as fractions")
            return
        df = sweep.run(s, g, mets, chunk_size=chunk_size, engine=eng)
    finally:
        eng.close()
    if as_json:
        echo_json({"scenario": s.name, "units": {"money": "CNY", "payback": "months", "rates": "fraction"},
                    "rows": _records(df)})
        return
    t = Table(title=f"{s.name} — sweep of {g.size:,} scenarios")
    for p in g.axes:
        fs = schema.field_spec(p)
        t.add_column(f"{p}\n[{_input_unit(fs.unit)}]" if fs.unit else p, justify="right")
    for m in mets:
        t.add_column(f"{m}\n[{_result_unit(m)}]", justify="right")
    for row in df.itertuples(index=False):
        cells = []
        for p, v in zip(g.axes, row[: len(g.axes)], strict=True):
            fs = schema.field_spec(p)
            cells.append(str(v) if fs.kind == "choice" else _show_input(float(v), fs.unit))
        cells += [_show_result(float(v), m) for m, v in zip(mets, row[len(g.axes):], strict=True)]
        t.add_row(*cells)
    Console().print(t)


# --------------------------------------------------------------------------- tornado
@friendly_errors
def tornado_cmd(
    file: Path = FILE,
    field: list[str] = typer.Option(None, "--field", "-f", help="An input to move (repeatable). Default: every "
                                    "numeric input that changes a result."),
    ranges: list[str] = typer.Option(None, "--range", help="Explicit low and high values: PATH=LOW:HIGH "
                                     "(repeatable), e.g. heavy.occupancy=0.6:1.0."),
    low: float = typer.Option(-0.2, "--low", help="Relative low move (−0.2 = −20 %)."),
    high: float = typer.Option(0.2, "--high", help="Relative high move (+0.2 = +20 %)."),
    metric: list[str] = METRIC,
    sets: list[str] = SET,
    top: int = typer.Option(12, "--top", help="Rows per result in the table."),
    out: Path = typer.Option(None, "--out", "-o", help="Also write the tidy table to .csv or .parquet."),
    as_json: bool = JSON,
) -> None:
    """One-way sensitivity: each input ±20 % (or explicit values), its effect on payback, NPV, IRR
    and gross margin, sorted by swing."""
    s = _scenario(file, sets)
    fields: dict[str, tuple[float, float] | None] | None = None
    if field or ranges:
        fields = dict.fromkeys(field or [])
        for spec in ranges or []:
            path, sep, rhs = spec.partition("=")
            parts = rhs.split(":")
            try:
                if not sep or len(parts) != 2:
                    raise ValueError
                fields[path.strip()] = (float(parts[0]), float(parts[1]))
            except ValueError:
                raise CLIError(f"malformed --range {spec!r}: expected PATH=LOW:HIGH, e.g. heavy.occupancy=0.6:1.0") \
                    from None
    mets = sweep.metric_paths(metric or None, sensitivity.TORNADO_METRICS)
    writer = sweep.AtomicTableWriter(out) if out is not None else None
    try:
        df = sensitivity.tornado(s, fields, low=low, high=high, metrics=mets)
        if writer is not None:
            writer.write(df)
            writer.commit()
    finally:
        if writer is not None and not writer._done:
            writer.abort()
    if as_json:
        echo_json({"scenario": s.name, "low": low, "high": high, "rows": _records(df)})
        return
    con = Console()
    for m in mets:
        part = df[df["metric"] == m].head(top)
        if part.empty:
            continue
        base = part["base_result"].iloc[0]
        t = Table(title=f"{m} [{_result_unit(m)}] — base {_show_result(base, m)}")
        t.add_column("input", overflow="fold", min_width=24)
        for c in ("low → high", "unit", "result at low", "at high", "swing"):
            t.add_column(c, justify="left" if c == "unit" else "right")
        for r in part.itertuples(index=False):
            moves = f"{_show_input(r.low_input, r.unit)} → {_show_input(r.high_input, r.unit)}"
            swing = "never" if math.isinf(r.swing) else _show_result(r.swing, m).removesuffix(" %") + (
                " pp" if sweep.metric_info(m).fmt == "frac" else "")
            t.add_row(f"{r.field}  {r.label_zh}", moves, _input_unit(r.unit), _show_result(r.low_result, m),
                      _show_result(r.high_result, m), swing)
        con.print(t)
    if writer is not None:
        typer.echo(f"wrote {len(df)} rows to {out}")


# --------------------------------------------------------------------------- solve
@friendly_errors
def solve_cmd(
    file: Path = FILE,
    target: list[str] = typer.Option(None, "--target", "-t", help="RESULT=VALUE in the result's base unit "
                                     "(months, CNY, fraction), e.g. payback_months=24, irr=0.15, npv_cny=0 "
                                     "(repeatable)."),
    vary: str = typer.Option(..., "--vary", help="The input to solve for, e.g. heavy.price_cny_per_card_hour."),
    lo: float = typer.Option(None, "--lo", help="Lowest value of the input to consider (default: its minimum)."),
    hi: float = typer.Option(None, "--hi", help="Highest value to consider (default: its allowed maximum)."),
    sets: list[str] = SET,
    as_json: bool = JSON,
) -> None:
    """Break-even / goal seek: the value of one input that gives a target result.

    Example: finmodel solve s.toml --target payback_months=24 --vary heavy.price_cny_per_card_hour"""
    if not target:
        raise CLIError("give a --target RESULT=VALUE, e.g. --target payback_months=24")
    s = _scenario(file, sets)
    wanted: list[tuple[str, float]] = []
    for spec in target:
        name, sep, value = spec.partition("=")
        try:
            if not sep or not name.strip():
                raise ValueError
            v = float(value)
        except ValueError:
            raise CLIError(f"malformed --target {spec!r}: expected RESULT=VALUE, e.g. payback_months=24") from None
        wanted.append((sweep.metric_path(name), v))
    by_metric: dict[str, list[float]] = {}
    for m, v in wanted:
        by_metric.setdefault(m, []).append(v)
    results: list[sensitivity.SolveResult] = []
    for m, vals in by_metric.items():
        results += sensitivity.solve_many(s, vary, m, vals, lo=lo, hi=hi)
    fs = schema.field_spec(vary)
    failed = [r for r in results if math.isnan(r.value)]
    if as_json:
        echo_json({"scenario": s.name, "vary": vary, "unit": fs.unit,
                    "results": [{"target": r.target, "target_value": r.target_value, "value": r.value,
                                 "achieved": r.achieved, "converged": r.converged, "message": r.message,
                                 "base_input": r.base_input, "base_result": r.base_result, "lo": r.lo, "hi": r.hi}
                                for r in results]})
    elif len(results) == 1 and failed:
        pass  # the error line below says it all
    elif len(results) == 1:
        r = results[0]
        unit = "" if sweep.metric_info(r.target).fmt == "frac" else f" {_result_unit(r.target)}"
        typer.echo(f"{r.target} = {_show_result(r.target_value, r.target)}{unit} needs "
                   f"{vary} = {_fmt_input(r.value, fs)} (now {_fmt_input(r.base_input, fs)}, giving "
                   f"{_show_result(r.base_result, r.target)}{unit})")
        typer.echo(("check: " if r.converged else "note: ") + r.message)
    else:
        now = _show_input(results[0].base_input, fs.unit)
        t = Table(title=f"{s.name} — solve for {vary} [{_input_unit(fs.unit)}] (now {now})")
        for c in ("target", "value", vary, "achieved", "note"):
            t.add_column(c, justify="left" if c in ("target", "note") else "right")
        for r in results:
            unit = "" if sweep.metric_info(r.target).fmt == "frac" else f" {_result_unit(r.target)}"
            t.add_row(r.target, f"{_show_result(r.target_value, r.target)}{unit}",
                      "—" if math.isnan(r.value) else _show_input(r.value, fs.unit),
                      "—" if math.isnan(r.value) else _show_result(r.achieved, r.target),
                      "" if r.converged else ("no solution" if math.isnan(r.value) else "approximate"))
        Console().print(t)
    if failed:
        for r in failed:
            typer.echo(f"error: {r.message}", err=True)
        raise typer.Exit(2)


def _fmt_input(x: float, fs: schema.FieldSpec) -> str:
    if x is None or not math.isfinite(x):
        return "(unset)"
    if _money_unit(fs.unit):
        return f"{x:,.2f} {fs.unit} ({x / 1e4:,.2f} {_input_unit(fs.unit)})"
    if fs.unit.startswith("fraction"):
        return f"{x:.6g} ({x * 100:.2f} %)"
    return f"{x:,.6g} {fs.unit}".rstrip()


# --------------------------------------------------------------------------- Monte Carlo
@friendly_errors
def montecarlo_cmd(
    file: Path = FILE,
    n: int = typer.Option(10_000, "-n", "--draws", help="Number of draws."),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed and n give the same draws on every engine."),
    dist: list[str] = typer.Option(None, "--dist", "-d", help="PATH=NAME:P1:P2..., e.g. "
                                   "heavy.occupancy=triangular:0.5:0.8:0.95 (triangular:LOW:MODE:HIGH, "
                                   "uniform:LOW:HIGH, normal:MEAN:SD, lognormal:MU:SIGMA, beta:ALPHA:BETA[:LOW:HIGH], "
                                   "pert:LOW:MODE:HIGH, fixed:VALUE; repeatable)."),
    dists: Path = typer.Option(None, "--dists", help="TOML file of distributions (and correlation); --dist "
                               "entries override it."),
    corr: list[str] = typer.Option(None, "--corr", help="Rank correlation A,B=RHO, e.g. "
                                   "heavy.occupancy,heavy.price_cny_per_card_hour=-0.4 (repeatable)."),
    metric: list[str] = METRIC,
    within: list[float] = typer.Option(None, "--within", help="Report P(payback ≤ MONTHS) (repeatable; "
                                       "default 24 and 36)."),
    draws_out: Path = typer.Option(None, "--draws-out", help="Write every draw (inputs and results) to .parquet "
                                   "or .csv (atomically)."),
    sets: list[str] = SET,
    chunk_size: int = typer.Option(montecarlo.BLOCK, "--chunk-size", help="Draws per batch (whole RNG blocks "
                                   "of 8,192 when larger)."),
    engine: str = ENGINE,
    scheduler: str = SCHEDULER,
    no_progress: bool = NO_PROGRESS,
    as_json: bool = JSON,
) -> None:
    """Monte Carlo: P10/P50/P90 of payback, NPV, IRR and margin under uncertain inputs, the chance
    of paying back within N months and of a negative NPV.

    Without --dist/--dists a default set is used and stated in the output.

    Distributions are truncated to each input's allowed range."""
    if n <= 0:
        raise CLIError(f"-n must be a positive number of draws (got {n})")
    if seed < 0:
        raise CLIError(f"--seed must be a non-negative whole number (got {seed})")
    if chunk_size < 1:
        raise CLIError(f"--chunk-size must be at least 1 (got {chunk_size})")
    s = _scenario(file, sets)
    specs: dict[str, dict[str, Any]] = {}
    pairs: list[tuple[str, str, float]] = []
    if dists is not None:
        specs, pairs = montecarlo.load_dists(dists)
    for d in dist or []:
        path, spec = montecarlo.parse_dist(d)
        specs[path] = spec
    for c in corr or []:
        lhs, sep, rho = c.partition("=")
        names = [x.strip() for x in lhs.split(",")]
        try:
            if not sep or len(names) != 2 or not all(names):
                raise ValueError
            pairs.append((names[0], names[1], float(rho)))
        except ValueError:
            raise CLIError(f"malformed --corr {c!r}: expected A,B=RHO, e.g. "
                           "heavy.occupancy,heavy.price_cny_per_card_hour=-0.4") from None
    if pairs and not specs:
        raise CLIError("--corr needs distributions (--dist or --dists) for both inputs")
    mets = sweep.metric_paths(metric or None, montecarlo.DEFAULT_METRICS)
    writer = sweep.AtomicTableWriter(draws_out) if draws_out is not None else None
    eng = _engine(engine, scheduler)
    try:
        with _progress(n, "Monte Carlo", not no_progress) as prog:
            res = montecarlo.run(s, specs or None, n, seed, metrics=mets, correlation=pairs or None,
                                 keep_draws=writer is not None, chunk_size=chunk_size, engine=eng, progress=prog)
        if writer is not None:
            step = 1_000_000
            for i in range(0, len(res.draws), step):
                writer.write(res.draws.iloc[i:i + step])
            writer.commit()
    finally:
        eng.close()
        if writer is not None and not writer._done:
            writer.abort()
    months = list(within) if within else [24.0, 36.0]
    summary = res.summary
    probs = {f"{m:g}": res.prob_payback_within(m) for m in months}
    if as_json:
        echo_json({"scenario": s.name, "n": res.n, "seed": res.seed, "engine": eng.name,
                    "distributions": {p: d.to_dict() for p, d in res.distributions.items()},
                    "correlation": None if res.correlation is None else res.correlation.tolist(),
                    "units": {"money": "CNY", "payback": "months", "rates": "fraction"},
                    "summary": _records(summary), "prob_payback_within": probs,
                    "prob_npv_negative": res.prob_npv_negative, "notes": res.notes, "seconds": res.seconds,
                    "draws_file": str(draws_out) if draws_out else None})
        return
    con = Console()
    for note in res.notes:
        con.print(f"note: {note}", markup=False)
    t = Table(title=f"{s.name} — Monte Carlo, {res.n:,} draws, seed {res.seed} ({res.seconds:.2f} s)")
    for c in ("result", "unit", "base", "mean", "P10", "P50", "P90", "never/none"):
        t.add_column(c, justify="left" if c in ("result", "unit") else "right")
    for r in summary.itertuples(index=False):
        t.add_row(f"{r.metric}  {r.label_zh}", _result_unit(r.metric), _show_result(r.base, r.metric),
                  _show_result(r.mean, r.metric), _show_result(r.p10, r.metric), _show_result(r.p50, r.metric),
                  _show_result(r.p90, r.metric), f"{r.share_nan * 100:.1f} %")
    con.print(t)
    t2 = Table(title="inputs")
    for c in ("input", "distribution (base units)", "truncated"):
        t2.add_column(c)
    for p, d in res.distributions.items():
        t2.add_row(p, d.text(), f"{d.truncated_share * 100:.1f} %")
    con.print(t2)
    for m, pr in probs.items():
        typer.echo(f"P(payback ≤ {m} months) = {pr * 100:.1f} %")
    typer.echo(f"P(NPV < 0) = {res.prob_npv_negative * 100:.1f} %")
    if draws_out is not None:
        typer.echo(f"wrote {res.n:,} draws to {draws_out}")

