"""The statements on the command line: ``finmodel evaluate --annual`` prints the three statements by
year, ``--monthly FILE.csv`` writes the tidy monthly table.

Both read :mod:`finmodel.model.reports` (the same roll-up the workbook's Annual sheet and the
dashboard show). Years are fiscal years (``general.fiscal_year_start_month``; 1 = calendar years),
named by the calendar year they end in; the first and last year may be partial (the ``months``
row says how many months each has). The monthly file is written in full precision (each number as
Python writes it: it reads back to the same float), UTF-8 with a BOM (Excel shows the Chinese
labels), created only if no file has that name unless ``--force`` is given, and atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from finmodel.cli.common import CLIError, print_table, records
from finmodel.schema import atomic_write_bytes

if TYPE_CHECKING:  # the model (and pandas, rich) are imported when a statement is printed, not at start-up
    from rich.table import Table

    from finmodel import model

ANNUAL = typer.Option(False, "--annual", help="Also print the three statements by fiscal year (flows summed, "
                      "balances at the year's close; general.fiscal_year_start_month), heavy and light assets.")
MONTHLY = typer.Option(None, "--monthly", help="Write the tidy monthly table (period, calendar and fiscal year, "
                       "every reported line of both models in CNY) to a .csv file, atomically.", show_default=False)
FORCE = typer.Option(False, "--force", help="Overwrite an existing --monthly file.")
#: What the annual tables say under them.
ANNUAL_NOTE = ("years are fiscal years named by the calendar year they end in (general.fiscal_year_start_month; "
               "1 = calendar years); flows are summed over the year, balances taken at its close (the last year "
               "closes at the horizon), ratios computed on the year's sums. 年度报表：流量按年汇总，余额取年末。")
_MODELS = {"heavy": "heavy asset 重资产", "light": "light asset 轻资产"}


def check_target(path: Path, force: bool) -> None:
    """Refuse a ``--monthly`` name before any work: not ``.csv``, a directory, or (without
    ``force``) an existing file."""
    if path.suffix.lower() != ".csv":
        raise CLIError(f"--monthly {path}: use a .csv file name")
    if path.is_dir():
        raise CLIError(f"--monthly {path} is a directory; give a file name")
    if path.exists() and not force:
        raise CLIError(f"{path} exists; use --force to overwrite it")
    if not path.parent.is_dir():
        raise CLIError(f"--monthly {path}: directory {str(path.parent)!r} does not exist")


def write_monthly(path: Path, r: model.Result, force: bool) -> str:
    """Write :func:`reports.monthly_table` of ``r`` to ``path`` (exclusive unless ``force``,
    atomic); return the line saying what was written."""
    from finmodel.model import reports

    table = reports.monthly_table(r)
    data = table.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")
    try:
        atomic_write_bytes(path, data, exclusive=not force)
    except FileExistsError:  # created by someone else since check_target
        raise CLIError(f"{path} exists; use --force to overwrite it") from None
    return f"wrote {path} ({len(table)} months × {table.shape[1]} columns)"


def annual_json(r: model.Result) -> dict[str, Any]:
    """The annual roll-up of both models, for ``evaluate --json --annual`` (CNY, fractions)."""
    from finmodel.model import reports

    out: dict[str, Any] = {"note": ANNUAL_NOTE}
    for name in _MODELS:
        out[name] = records(reports.annual(getattr(r, f"{name}_monthly"), name).reset_index())
    return out


def print_annual(r: model.Result) -> None:
    """The three statements of each model by year, then the ratios (heavy: DSCR and margins)."""
    from finmodel.model import reports

    for name, title in _MODELS.items():
        a = reports.annual(getattr(r, f"{name}_monthly"), name)
        for statement in reports.STATEMENTS:
            en, zh = reports.TITLES[statement]
            keys = [k for k in reports.LINES[name][statement] if k in a.columns]
            print_table(_table(f"{title} — {en} {zh} by year (万元)", name, a, keys))
        ratios = [x.key for x in reports.RATIOS[name] if x.key in a.columns]
        print_table(_table(f"{title} — ratios by year 年度比率", name, a, ratios))
    typer.echo(f"note: {ANNUAL_NOTE}")


def _table(title: str, name: str, a: Any, keys: list[str]) -> Table:
    from finmodel.model import display, reports

    style = display.TABLE
    from rich.table import Table

    t = Table(title=title, title_justify="left")
    t.add_column("line")
    years = list(a.index)
    for y in years:
        months = int(a.loc[y, "months"])
        t.add_column(f"{y}" + ("" if months == 12 else f" ({months} m)"), justify="right")
    t.add_row("period", *[f"{a.loc[y, 'first']}…{a.loc[y, 'last']}" for y in years])
    for key in keys:
        decl = reports.declared(name, key)
        t.add_row(f"{decl.en} {decl.zh}", *[display.show_item(a.loc[y, key], decl, style=style) for y in years])
    return t
