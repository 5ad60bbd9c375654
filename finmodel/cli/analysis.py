"""CLI commands for analysis at scale: sweep, tornado, solve (``montecarlo`` is in ``cli/montecarlo.py``).

Each takes a scenario file or a portfolio file (a ``[cohorts]`` table): then inputs are portfolio
paths (``shocks.price_factor``, ``cohorts.<name>.heavy.price_cny_per_card_hour``) and results the
company's (``payback_months`` = ``company.payback_months``) or a cohort's (``cohorts.<name>.irr``).

Tables show money in 万元 (10,000 CNY), payback in months ("never" = not recovered within the
horizon), rates in %; ``--json`` and output files keep base units (CNY, months, fractions). All
numbers go through ``finmodel.model.display`` (styles ``TABLE``, ``TABLE_INPUT``, ``TABLE_CHANGE``).
Output files (.parquet or .csv) are written atomically: a temporary file in the same directory,
renamed when complete, removed on error or Ctrl-C.
"""

from __future__ import annotations

import contextlib
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from finmodel import schema
from finmodel.analysis import sensitivity, sweep
from finmodel.analysis.executors import Executor
from finmodel.analysis.limits import MAX_CHUNK, count_text
from finmodel.analysis.subject import Subject, declared
from finmodel.cli.common import (
    ENGINE,
    JSON,
    METRIC,
    MODEL_FILE,
    NO_PROGRESS,
    SCHEDULER,
    SET,
    CLIError,
    console,
    echo_json,
    executor,
    friendly_errors,
    input_cell,
    progress_bar,
    records,
    result_cell,
    result_unit,
    subject_with,
)
from finmodel.model import display
from finmodel.schema.files import AtomicTableWriter

if TYPE_CHECKING:  # pandas loads when an analysis builds its table, not for --help
    import pandas as pd

MAX_PRINT = 200


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("sweep")(sweep_cmd)
    app.command("tornado")(tornado_cmd)
    app.command("solve")(solve_cmd)


def rows_word(subj: Subject) -> str:
    """What one row of an analysis is: a scenario, or a portfolio."""
    return f"{subj.kind}s"


# --------------------------------------------------------------------------- sweep
@friendly_errors
def sweep_cmd(
    file: Path = MODEL_FILE,
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
    if chunk_size > MAX_CHUNK:
        raise CLIError(f"--chunk-size {chunk_size:,} is too large: a batch takes ≈ 40 KB a scenario; allowed: ≤ "
                       f"{MAX_CHUNK:,}")
    subj = subject_with(file, sets)
    g = _grid(subj, grid, printed=out is None)
    mets = subj.metric_paths(metric or None, subj.sweep_metrics(g.axes))
    eng = executor(engine, scheduler)
    try:
        if out is not None:
            _write_sweep(subj, g, mets, out, chunk_size, eng, not no_progress, as_json)
            return
        df = sweep.run(subj, g, mets, chunk_size=chunk_size, engine=eng)
    finally:
        eng.close()
    if as_json:
        echo_json({subj.kind: subj.name, "units": {"money": "CNY", "payback": "months", "rates": "fraction"},
                    "rows": records(df)})
        return
    _print_sweep(subj, g, mets, df)


def _grid(subj: Subject, specs: list[str], printed: bool) -> sweep.Grid:
    """The grid of ``--grid`` specs, refused up front when larger than a sweep writes with --out, or
    than this command prints without it."""
    if not printed:
        return sweep.Grid.parse(specs, on=subj)
    try:
        return sweep.Grid.parse(specs, limit=MAX_PRINT, on=subj)
    except sweep.GridTooLarge as err:
        more = ("; write them with --out results.parquet (or .csv)" if err.size <= sweep.MAX_SCENARIOS else
                f", and more than one sweep writes with --out (allowed: ≤ {sweep.MAX_SCENARIOS:,}); make the grid "
                "coarser or split it")
        raise CLIError(f"{count_text(int(err.size))} {rows_word(subj)} are too many to print{more}") from None


def _write_sweep(subj: Subject, g: sweep.Grid, mets: list[str], out: Path, chunk_size: int, eng: Executor,
                 progress: bool, as_json: bool) -> None:
    writer = AtomicTableWriter(out)  # checks the name and directory before any work
    with writer, progress_bar(g.size, "sweep", progress) as prog:
        t0 = time.perf_counter()
        for df in sweep.iter_sweep(subj, g, mets, chunk_size=chunk_size, engine=eng, progress=prog):
            writer.write(df)
        secs = time.perf_counter() - t0
    if as_json:
        echo_json({"file": str(out), "scenarios": g.size, "columns": list(g.axes) + mets, "seconds": secs,
                   "scenarios_per_second": g.size / secs if secs > 0 else None, "engine": eng.name})
    else:
        word = rows_word(subj)
        typer.echo(f"wrote {g.size:,} {word} × {len(g.axes) + len(mets)} columns to {out} in {secs:.2f} s "
                   f"({g.size / max(secs, 1e-9):,.0f} {word}/s, engine {eng.name}); "
                   "money in CNY, payback in months (empty = never), rates as fractions")


def _print_sweep(subj: Subject, g: sweep.Grid, mets: list[str], df: pd.DataFrame) -> None:
    t = Table(title=f"{subj.name} — sweep of {g.size:,} {rows_word(subj)}")
    specs = [subj.field_spec(p) for p in g.axes]
    infos = [subj.metric_info(m) for m in mets]
    for p, fs in zip(g.axes, specs, strict=True):
        t.add_column(f"{p}\n[{display.input_label(fs.unit)}]" if fs.unit else p, justify="right")
    for m, info in zip(mets, infos, strict=True):
        t.add_column(f"{m}\n[{result_unit(info)}]", justify="right")
    for row in df.itertuples(index=False):
        cells = [str(v) if fs.kind == "choice" else input_cell(float(v), fs.unit)
                 for fs, v in zip(specs, row[: len(g.axes)], strict=True)]
        cells += [result_cell(float(v), info) for info, v in zip(infos, row[len(g.axes):], strict=True)]
        t.add_row(*cells)
    console().print(t)


# --------------------------------------------------------------------------- tornado
@friendly_errors
def tornado_cmd(
    file: Path = MODEL_FILE,
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
    subj = subject_with(file, sets)
    fields = _tornado_fields(field, ranges)
    mets = subj.metric_paths(metric or None)
    writer = AtomicTableWriter(out) if out is not None else None  # checks the name before any work
    with writer or contextlib.nullcontext():
        df = sensitivity.tornado(subj, fields, low=low, high=high, metrics=mets)
        if writer is not None:
            writer.write(df)
    if as_json:
        echo_json({subj.kind: subj.name, "low": low, "high": high, "rows": records(df)})
        return
    _print_tornado(subj, df, mets, top)
    if writer is not None:
        typer.echo(f"wrote {len(df)} rows to {out}")


def _tornado_fields(field: list[str] | None, ranges: list[str] | None
                    ) -> dict[str, tuple[float, float] | None] | None:
    """``--field`` paths (relative moves) and ``--range PATH=LOW:HIGH`` (explicit values); None = default."""
    if not field and not ranges:
        return None
    fields: dict[str, tuple[float, float] | None] = dict.fromkeys(field or [])
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
    return fields


def _print_tornado(subj: Subject, df: pd.DataFrame, mets: list[str], top: int) -> None:
    con = console()
    for m in mets:
        rows = df.loc[df["metric"] == m].head(top).to_dict(orient="records")
        if not rows:
            continue
        info = subj.metric_info(m)
        t = Table(title=f"{m} [{result_unit(info)}] — base {result_cell(rows[0]['base_result'], info)}")
        t.add_column("input", overflow="fold", min_width=24)
        for c in ("low → high", "unit", "result at low", "at high", "swing"):
            t.add_column(c, justify="left" if c == "unit" else "right")
        for r in rows:
            moves = f"{input_cell(r['low_input'], r['unit'])} → {input_cell(r['high_input'], r['unit'])}"
            t.add_row(f"{r['field']}  {r['label_zh']}", moves, display.input_label(r["unit"]),
                      result_cell(r["low_result"], info), result_cell(r["high_result"], info),
                      result_cell(r["swing"], info, display.TABLE_CHANGE))
        con.print(t)


# --------------------------------------------------------------------------- solve
@friendly_errors
def solve_cmd(
    file: Path = MODEL_FILE,
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
    subj = subject_with(file, sets)
    by_metric: dict[str, list[float]] = {}
    for m, v in _targets(subj, target):
        by_metric.setdefault(m, []).append(v)
    found: list[sensitivity.SolveResult] = []
    for m, vals in by_metric.items():
        found += sensitivity.solve_many(subj, vary, m, vals, lo=lo, hi=hi)
    fs = subj.field_spec(vary)
    failed = [r for r in found if math.isnan(r.value)]
    if as_json:
        echo_json({subj.kind: subj.name, "vary": vary, "unit": fs.unit,
                    "results": [{"target": r.target, "target_value": r.target_value, "value": r.value,
                                 "achieved": r.achieved, "converged": r.converged, "message": r.message,
                                 "base_input": r.base_input, "base_result": r.base_result, "lo": r.lo, "hi": r.hi}
                                for r in found]})
    elif len(found) == 1 and not failed:
        _print_solved(subj, found[0], vary, fs)
    elif len(found) > 1:
        _print_solve_table(subj, found, vary, fs)
    for r in failed:  # a single failed target: this line says it all
        typer.echo(f"error: {r.message}", err=True)
    if failed:
        raise typer.Exit(2)


def _targets(subj: Subject, specs: list[str]) -> list[tuple[str, float]]:
    """``--target RESULT=VALUE`` as (result path, value)."""
    out: list[tuple[str, float]] = []
    for spec in specs:
        name, sep, value = spec.partition("=")
        try:
            if not sep or not name.strip():
                raise ValueError
            v = float(value)
        except ValueError:
            raise CLIError(f"malformed --target {spec!r}: expected RESULT=VALUE, e.g. payback_months=24") from None
        out.append((subj.metric_path(name), v))
    return out


def _with_unit(subj: Subject, x: float, metric: str) -> str:
    info = declared(subj.metric_info(metric))
    return display.show_item(x, info, style=display.TABLE) + display.unit_suffix(info, display.TABLE)


def _print_solved(subj: Subject, r: sensitivity.SolveResult, vary: str, fs: schema.FieldSpec) -> None:
    value, now = display.show_input(r.value, fs.unit), display.show_input(r.base_input, fs.unit)
    typer.echo(f"{r.target} = {_with_unit(subj, r.target_value, r.target)} needs {vary} = {value} (now {now}, "
               f"giving {_with_unit(subj, r.base_result, r.target)})")
    typer.echo(("check: " if r.converged else "note: ") + r.message)


def _print_solve_table(subj: Subject, found: list[sensitivity.SolveResult], vary: str,
                       fs: schema.FieldSpec) -> None:
    now = input_cell(found[0].base_input, fs.unit)
    t = Table(title=f"{subj.name} — solve for {vary} [{display.input_label(fs.unit)}] (now {now})")
    for c in ("target", "value", vary, "achieved", "note"):
        t.add_column(c, justify="left" if c in ("target", "note") else "right")
    for r in found:
        solved = not math.isnan(r.value)
        t.add_row(r.target, _with_unit(subj, r.target_value, r.target),
                  input_cell(r.value, fs.unit) if solved else "—",
                  result_cell(r.achieved, subj.metric_info(r.target)) if solved else "—",
                  "" if r.converged else ("approximate" if solved else "no solution"))
    console().print(t)
