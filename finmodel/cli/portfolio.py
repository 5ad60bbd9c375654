"""CLI command ``portfolio``: a company of purchase cohorts — company KPIs, the cohort table, the
annual statement, the monthly lines to a file. Numbers go through ``finmodel.model.display``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import typer
from rich.console import Console
from rich.table import Table

from finmodel.cli.common import CLIError, echo_json, friendly_errors, jsonable, print_table, records
from finmodel.model import display, portfolio_result
from finmodel.model import portfolio_items as pi
from finmodel.model.portfolio_result import PortfolioResult, evaluate
from finmodel.schema import portfolio
from finmodel.schema.files import AtomicTableWriter

PORTFOLIO_FILE = typer.Argument(..., help="Portfolio file (TOML), e.g. assumptions/portfolio/h800_lots.toml.",
                                show_default=False)
ANNUAL_NOTE = ("years are service years of the company (year 0 = month 0, year y = months 12y-11 … 12y); "
               "calendar years arrive with issue 13")
#: Cohort table columns after the timing: (key, header).
COHORT_COLUMNS = (("payback_months", "payback"), ("irr", "IRR"), ("npv_cny", "NPV"), ("share_of_revenue", "revenue"),
                  ("share_of_ebitda", "EBITDA"), ("share_of_capex", "capex"))
#: The annual table's lines (years are rows); ``--json`` has every line.
ANNUAL_COLUMNS = ("revenue_cny", "ebitda_cny", "tax_cny", "net_income_cny", "investment_cny", "equity_cash_flow_cny",
                  "cumulative_cash_flow_cny", "capacity_p")


def item(key: str) -> display.Declared:
    """The declaration of a company or cohort result, as the display layer reads it."""
    return cast("display.Declared", portfolio_result.item(key))  # a frozen Item: its fields are read-only


def register(app: typer.Typer) -> None:
    """Add this module's command to the main app."""
    app.command("portfolio")(portfolio_cmd)


@friendly_errors
def portfolio_cmd(
    file: Path = PORTFOLIO_FILE,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (CNY, months, fractions; null = never "
                                 "/ none / n/a)."),
    annual: bool = typer.Option(False, "--annual", help="Also the statement by year (" + ANNUAL_NOTE + ")."),
    monthly: Path | None = typer.Option(None, "--monthly", help="Write the company's monthly lines and fleet to a "
                                        ".csv (or .parquet) file, atomically.", show_default=False),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Write the live workbook: a timeline per cohort and a "
                                     "Company sheet of formulas (docs/portfolio.md, Workbook), atomically.",
                                     show_default=False),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing --monthly or --xlsx file."),
) -> None:
    """Evaluate a portfolio: cohorts bought in different months, summed into one company.

    Tables show money in 万元 (10,000 CNY), payback in months from the company's month 0 (the
    cohort table: from each cohort's purchase), rates in %. Company tax is charged on the
    company's profit (losses of one cohort shelter another's) and shown beside the sum of the
    cohorts' stand-alone taxes."""
    if monthly is not None:
        _check_target(monthly, force)
    if xlsx is not None:
        _check_target(xlsx, force, "--xlsx", (".xlsx",), "an .xlsx")
    p = portfolio.load(file)
    r = evaluate(p)
    if monthly is not None:
        with AtomicTableWriter(monthly) as out:
            out.write(r.monthly.reset_index())
    if xlsx is not None:
        from finmodel.workbook.company import write_portfolio_workbook

        write_portfolio_workbook(p, xlsx)
    if as_json:
        echo_json(_json(file, r, annual))
    else:
        _print(r, annual)
    if monthly is not None:
        typer.echo(f"wrote {monthly} ({len(r.monthly)} months × {r.monthly.shape[1]} lines)", err=True)
    if xlsx is not None:
        typer.echo(f"wrote {xlsx} ({len(p.cohorts)} cohorts, {p.horizon_months} months)", err=True)


def _check_target(path: Path, force: bool, option: str = "--monthly",
                  suffixes: tuple[str, ...] = tuple(AtomicTableWriter.FORMATS), kind: str = "a .csv or .parquet"
                  ) -> None:
    if path.suffix.lower() not in suffixes:
        raise CLIError(f"{option} {path}: use {kind} file name")
    if path.is_dir():
        raise CLIError(f"{option} {path} is a directory; give a file name")
    if path.exists() and not force:
        raise CLIError(f"{path} exists; use --force to overwrite it")


def _json(file: Path, r: PortfolioResult, annual: bool) -> dict[str, Any]:
    cohorts = r.cohorts.reset_index()
    out: dict[str, Any] = {
        "portfolio": r.portfolio.name, "file": str(file), "horizon_months": r.portfolio.horizon_months,
        "units": {"money": "CNY", "payback": "months", "rates": "fraction", "capacity": "P (FP16 dense PFLOPS)"},
        "company": {k: jsonable(r.company[k]) for k in pi.KPIS},
        "company_all": r.kpis(), "cohorts": records(cohorts), "notes": list(r.notes),
    }
    if annual:
        out["annual"] = {"note": ANNUAL_NOTE, "years": records(r.annual().reset_index())}
    return out


def _print(r: PortfolioResult, annual: bool) -> None:
    con = Console()
    p = r.portfolio
    print_table(_kpi_table(r, f"{p.name} — company ({len(p.cohorts)} cohorts, {p.horizon_months} months)"))
    print_table(_cohort_table(r))
    if annual:
        print_table(_annual_table(r))
        con.print(f"note: {ANNUAL_NOTE}", soft_wrap=True)
    for note in r.notes:
        con.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)


def _kpi_table(r: PortfolioResult, title: str) -> Table:
    style = display.EVALUATE
    t = Table(title=title, title_justify="left")
    for c, j in (("result", "left"), ("value", "right"), ("unit", "left")):
        t.add_column(c, justify=j)  # type: ignore[arg-type]
    for key in pi.KPIS:
        it = portfolio_result.item(key)
        t.add_row(f"{it.en} {it.zh}", display.show_item(r.company[key], item(key), style=style),
                  display.unit_label(item(key), style))
    return t


def _cohort_table(r: PortfolioResult) -> Table:
    style = display.TABLE
    t = Table(title="cohorts alone (payback from purchase, NPV at purchase); shares of the company",
              title_justify="left")
    t.add_column("cohort", no_wrap=True)
    for c in ("GPU", "months"):
        t.add_column(c)
    for key, head in COHORT_COLUMNS:
        unit = "%" if key.startswith("share_") else display.unit_label(item(key), style)
        t.add_column(f"{head} {unit}", justify="right")
    for name, row in r.cohorts.iterrows():
        gpu = f"{row['gpu']}" + (" 转租" if str(row["model"]) == "light" else "")
        cells = [str(name), gpu, f"{row['purchase_month']}-{row['end_month']}"]
        cells += [display.show_item(row[key], item(key), style=style) for key, _ in COHORT_COLUMNS]
        t.add_row(*cells)
    return t


def _annual_table(r: PortfolioResult) -> Table:
    style = display.TABLE
    a = r.annual(ANNUAL_COLUMNS)
    t = Table(title="company by year (flows summed, cumulative and fleet at year end; 万元, P)", title_justify="left")
    t.add_column("year", justify="right")
    for key in a.columns:
        t.add_column(portfolio_result.item(key).en, justify="right")
    for year, row in a.iterrows():
        t.add_row(str(year), *[display.show_item(row[key], item(key), style=style) for key in a.columns])
    return t
