"""Shared CLI plumbing: clean one-line errors (no tracebacks), ``--set`` scenarios, executors,
progress bars and JSON output. Numbers are formatted by ``finmodel.model.display``."""

from __future__ import annotations

import contextlib
import functools
import json
import math
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import typer
from rich.console import Console

from finmodel import schema
from finmodel.analysis.executors import Executor, get_executor
from finmodel.analysis.sweep import split_assignment
from finmodel.model import display, results

# ---- options shared by several commands
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

F = TypeVar("F", bound=Callable[..., Any])


class CLIError(Exception):
    """A user-facing error: printed as one line, exit code 2."""


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def friendly_errors(fn: F) -> F:
    """Turn expected errors (bad scenario, unknown field, unreadable file) into ``error: ...``
    lines on stderr and exit code 2, with no traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except schema.ScenarioError as err:
            for line in err.lines():
                typer.echo(f"error: {line}", err=True)
            raise typer.Exit(2) from None
        except (schema.UnknownFieldError, CLIError) as err:
            fail(str(err))
        except (OSError, ValueError) as err:
            fail(str(err))
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def jsonable(x: Any) -> Any:
    """Plain JSON values: numpy scalars and arrays converted, NaN and ±inf as null (never, none, n/a)."""
    if isinstance(x, (float, np.floating)):
        return None if not math.isfinite(float(x)) else float(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return [jsonable(v) for v in x.tolist()]
    return x


def echo_json(obj: Any) -> None:
    """Print one JSON object (UTF-8 text, NaN as null)."""
    typer.echo(json.dumps(jsonable(obj), ensure_ascii=False, indent=2))


# Kept for finmodel/cli/demand.py (another owner's file) until it calls model.display itself.
def wan(x: float | None, digits: int = 2) -> str:
    """CNY shown in 万元 (10,000 元), no unit; "—" when undefined."""
    return display.show(x, "cny", style=display.EVALUATE, digits=digits)


def months(x: float | None, never: str = "never") -> str:
    """Months to one decimal; ``never`` when undefined."""
    return display.show(x, "months", "never", style=replace(display.EVALUATE, nan={"never": never}))


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A table's rows as JSON-ready dicts (NaN as null)."""
    return [{k: jsonable(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def scenario_with(file: Path, sets: list[str] | None) -> schema.Scenario:
    """The scenario in ``file`` with the ``--set PATH=VALUE`` changes applied (re-validated)."""
    s = schema.load(file)
    changes: dict[str, Any] = {}
    for spec in sets or []:
        path, value = split_assignment(spec, f"malformed --set {spec!r}: expected PATH=VALUE, e.g. "
                                       "heavy.occupancy=0.8")
        schema.field_spec(path)
        changes[path] = value
    return s.replace(changes, strict=False) if changes else s


def executor(engine: str, scheduler: str | None) -> Executor:
    """The executor of ``--engine`` / ``--scheduler`` (a missing optional extra as a CLI error)."""
    try:
        return get_executor(engine, scheduler)
    except RuntimeError as err:
        raise CLIError(str(err)) from None


@contextlib.contextmanager
def progress_bar(total: int, label: str, enabled: bool) -> Iterator[Callable[[int], None] | None]:
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


# ---- table cells (numbers through finmodel.model.display)
def result_cell(x: float, metric: str, style: display.Style = display.TABLE) -> str:
    """A result value in a table cell (its unit is in the column header)."""
    return display.show_item(x, results.metric_info(metric), style=style)


def result_unit(metric: str) -> str:
    """The unit of a result as a column header shows it (万元, %, months …)."""
    return display.unit_label(results.metric_info(metric), display.TABLE)


def input_cell(x: float, unit: str) -> str:
    """An input value in a table cell: 万元, % or its own unit (given in the header)."""
    return display.show_item(x, display.input_unit(unit), style=display.TABLE_INPUT)


def stdout_is_tty() -> bool:
    return sys.stdout.isatty()
