"""Shared CLI plumbing: clean one-line errors (no tracebacks), scenario or portfolio files with
``--set`` changes, executors, progress bars, tables and JSON output. Numbers are formatted by
``finmodel.model.display``.

Command modules import this at start-up, so it imports only ``typer`` and the schema; the engine,
pandas and rich tables are imported by the functions that use them.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from finmodel import schema
from finmodel.schema.errors import clip

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console
    from rich.table import Table

    from finmodel.analysis.executors import Executor
    from finmodel.analysis.subject import Subject
    from finmodel.model import display
    from finmodel.model.results import MetricInfo
    from finmodel.schema.portfolio import Portfolio

# ---- options shared by several commands
FILE = typer.Argument(..., help="Scenario file (TOML), e.g. assumptions/seed_fs2024.toml.", show_default=False)
MODEL_FILE = typer.Argument(..., help="Scenario or portfolio file (TOML), e.g. assumptions/seed_fs2024.toml or "
                            "assumptions/portfolio/h800_lots.toml.", show_default=False)
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


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived (raised by the handler :func:`finmodel.cli.main` installs): stops
    the command like Ctrl-C, so every output being written is removed."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


#: Longest error line printed [characters]; the library keeps the values it quotes far shorter.
MAX_ERROR_CHARS = 500


def fail(message: str, code: int = 2) -> None:
    """Print ``error: message`` as one line on stderr (control characters escaped) and exit."""
    typer.echo(f"error: {clip(message, MAX_ERROR_CHARS)}", err=True)
    raise typer.Exit(code)


def friendly_errors(fn: F) -> F:
    """Turn expected errors (bad scenario, unknown field, unreadable file, a run too large) into
    ``error: ...`` lines on stderr and exit code 2, with no traceback; Ctrl-C exits 130 and
    SIGTERM 143 (SIGHUP 129), after every ``with`` block has removed its partial output."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except schema.ScenarioError as err:
            for line in err.lines():
                typer.echo(f"error: {clip(line, MAX_ERROR_CHARS)}", err=True)
            raise typer.Exit(2) from None
        except (schema.UnknownFieldError, CLIError) as err:
            fail(str(err))
        except (OSError, ValueError) as err:
            fail(str(err))
        except Terminated as err:
            typer.echo("terminated", err=True)
            raise typer.Exit(128 + err.signum) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def jsonable(x: Any) -> Any:
    """Plain JSON values: numpy scalars and arrays converted, NaN and ±inf as null (never, none, n/a)."""
    import numpy as np

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


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A table's rows as JSON-ready dicts (NaN as null)."""
    return [{k: jsonable(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def load_file(file: Path) -> schema.Scenario | Portfolio:
    """A scenario or a portfolio file (a portfolio has a ``[cohorts]`` table), read once through the
    guarded reader and validated by its own schema."""
    from finmodel.schema import portfolio

    text = schema.read_input(file)
    try:
        data = schema.parse_toml_text(text, str(file))
    except schema.ScenarioError:
        data = {}  # broken TOML: the scenario parser below says where
    if portfolio.is_portfolio(data):
        return portfolio.parse(text, str(file), file.resolve().parent)
    return schema.parse_toml(text, str(file))


def subject_with(file: Path, sets: list[str] | None) -> Subject:
    """The scenario or portfolio in ``file`` with the ``--set PATH=VALUE`` changes applied
    (re-validated), as the analyses see it (:mod:`finmodel.analysis.subject`)."""
    from finmodel.analysis.grid import split_assignment
    from finmodel.analysis.subject import subject

    subj = subject(load_file(file))
    changes: dict[str, Any] = {}
    for spec in sets or []:
        path, value = split_assignment(spec, f"malformed --set {spec!r}: expected PATH=VALUE, e.g. "
                                       "heavy.occupancy=0.8")
        subj.field_spec(path)
        changes[path] = value
    return subj.replace(changes) if changes else subj


def executor(engine: str, scheduler: str | None) -> Executor:
    """The executor of ``--engine`` / ``--scheduler`` (a missing optional extra as a CLI error)."""
    from finmodel.analysis.executors import get_executor

    try:
        return get_executor(engine, scheduler)
    except RuntimeError as err:
        raise CLIError(str(err)) from None


@contextlib.contextmanager
def progress_bar(total: int, label: str, enabled: bool) -> Iterator[Callable[[int], None] | None]:
    """A rich progress bar on stderr (only on a terminal and unless disabled)."""
    from rich.console import Console

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


# ---- tables and their cells (numbers through finmodel.model.display)
def console(width: int | None = None) -> Console:
    """A rich console on stdout that never reads text as markup: a scenario, portfolio or workload
    name, a label, and a unit in brackets (``[months]``) are printed as written (rich would take
    ``[months]`` for a style and drop it, and stop on ``[/]`` with a MarkupError)."""
    from rich.console import Console

    return Console(markup=False, width=width)


def print_table(table: Table) -> None:
    """Print a rich table on stdout without cutting a cell: piped (no terminal) at its natural width,
    on a terminal at least as wide as its no-wrap columns need (a narrow terminal wraps the lines
    instead of truncating the paths in them). Text is never read as markup (:func:`console`)."""
    from rich.measure import Measurement

    con = console()
    need = Measurement.get(con, con.options.update_width(1_000_000), table)  # unconstrained by the width
    width = need.maximum if not con.is_terminal else need.minimum
    if width > con.width:
        con = console(width)
    con.print(table)


def result_cell(x: float, info: MetricInfo, style: display.Style | None = None) -> str:
    """A result value in a table cell (its unit is in the column header); ``info`` from the
    subject's ``metric_info`` (a scenario's or a portfolio's result)."""
    from finmodel.analysis.subject import declared
    from finmodel.model import display

    return display.show_item(x, declared(info), style=style or display.TABLE)


def result_unit(info: MetricInfo) -> str:
    """The unit of a result as a column header shows it (万元, %, months …)."""
    from finmodel.analysis.subject import declared
    from finmodel.model import display

    return display.unit_label(declared(info), display.TABLE)


def input_cell(x: float, unit: str) -> str:
    """An input value in a table cell: 万元, % or its own unit (given in the header)."""
    from finmodel.analysis.subject import declared
    from finmodel.model import display

    return display.show_item(x, declared(display.input_unit(unit)), style=display.TABLE_INPUT)


def stdout_is_tty() -> bool:
    return sys.stdout.isatty()
