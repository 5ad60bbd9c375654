"""CLI commands: ``export`` a scenario as a live Excel workbook, ``import`` one back as a scenario file."""

from __future__ import annotations

from pathlib import Path

import typer

from finmodel import schema
from finmodel import workbook as book
from finmodel.cli.common import fail, friendly_errors
from finmodel.workbook.reader import MAX_BYTES

EXPORTS = Path("exports")
ASSUMPTIONS = Path("assumptions")


def default_folder(folder: Path) -> Path:
    """Where an output goes without --out: ``folder`` when it exists here (in the repository),
    else the current folder."""
    return folder if folder.is_dir() else Path(".")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("export")(export)
    app.command("import")(import_)


@friendly_errors
def export(
    files: list[Path] = typer.Argument(..., help="Scenario file(s) (TOML). Several files: one workbook with a "
                                      "column per scenario and a scenario switch on Inputs.", show_default=False),
    out: Path | None = typer.Option(None, "--out", "-o", help="Workbook to write (.xlsx). Default: "
                                    "exports/<scenario name>.xlsx, or ./<scenario name>.xlsx where there is no "
                                    "exports/ folder.",
                                    show_default=False),
    sensitivity: bool = typer.Option(True, "--sensitivity/--no-sensitivity",
                                     help="Include the Sensitivity sheet (tornado and price × occupancy grid, "
                                     "computed by the engine)."),
) -> None:
    """Export a scenario as a live Excel workbook (.xlsx).

    Every calculated cell is a formula over the Inputs sheet, generated from the same line items as
    the Python engine: change an input in Excel or LibreOffice and the timelines, KPIs and charts
    follow. Money in CNY (元), 万元 columns for display; payback in months."""
    scenarios = [schema.load(f) for f in files]
    s = scenarios[0]
    target = out if out is not None else default_folder(EXPORTS) / book.safe_filename(s.name)
    if target.suffix.lower() != ".xlsx":
        fail(f"--out {target}: the workbook must end in .xlsx")
    if target.is_dir():
        fail(f"--out {target} is a directory; give a file name ending in .xlsx")
    book.write_workbook(scenarios, target, sensitivity=sensitivity)
    months = max(x.general.horizon_months for x in scenarios)
    names = ", ".join(repr(x.name) for x in scenarios)
    typer.echo(f"wrote {target} ({months}-month timeline, scenario{'s' if len(scenarios) > 1 else ''} {names})")


@friendly_errors
def import_(
    workbook: Path = typer.Argument(..., help="A workbook written by `finmodel export` (.xlsx).",
                                    show_default=False),
    out: Path | None = typer.Option(None, "--out", "-o", help="Scenario file to write (.toml). Default: "
                                    "assumptions/<scenario name>.toml, or ./<scenario name>.toml where there is "
                                    "no assumptions/ folder.", show_default=False),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing scenario file."),
) -> None:
    """Read a workbook's Inputs sheet back into a scenario file (.toml).

    The workbook is treated as untrusted: it is checked (size, zip structure, no macros), only its
    Inputs sheet is read, formulas are never evaluated, and every value is validated against the
    schema. On any problem nothing is written and each bad cell is named."""
    data = schema.read_input_bytes(workbook, book.WorkbookError, MAX_BYTES)  # regular files only, size-guarded
    try:
        s = book.read_workbook(data)
    except book.WorkbookError as err:
        raise book.WorkbookError(err.problems, err.origin or str(workbook)) from None
    target = out if out is not None else default_folder(ASSUMPTIONS) / book.safe_filename(s.name, suffix=".toml")
    if target.suffix.lower() != ".toml":
        fail(f"--out {target}: the scenario file must end in .toml")
    if target.is_dir():
        fail(f"--out {target} is a directory; give a file name ending in .toml")
    try:
        schema.save(s, target, exclusive=not force)  # without --force: created only if the name is free
    except FileExistsError:
        fail(f"{target} exists; use --force to overwrite it")
    typer.echo(f"wrote {target} (scenario {s.name!r} from {workbook})")
