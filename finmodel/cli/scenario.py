"""CLI commands on one scenario: evaluate, validate, fields, gpus.

``validate`` and ``evaluate`` print, on stderr, one ``warning:`` line per input written in the file
that has no effect under its switches (:mod:`finmodel.schema.inert`) and ``note:`` lines for old
names and catalogue values overridden; ``validate --strict`` exits 2 on a warning."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from finmodel import schema
from finmodel.cli import statements
from finmodel.cli.common import FILE, MODEL_FILE, echo_json, friendly_errors, load_file, print_table
from finmodel.schema import catalog, inert

if TYPE_CHECKING:  # the engine and rich load when a command evaluates or prints a table, not for validate
    from rich.table import Table

    from finmodel import model

STRICT = typer.Option(False, "--strict", help="Exit 2 when an input written in the file has no effect.")
#: What the evaluate tables say under them about the horizon-end items.
FOOTNOTE = ("Payback and peak funding use the operating cash flows; the horizon-end settlement items (the loan "
            "balance repaid at the horizon, the terminal value after the tax on its gain) are valuation items: in "
            "NPV, IRR, the net cash multiple and MOIC, never in payback. 回收期不含期末一次性还款与残值。")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("evaluate")(evaluate)
    app.command("validate")(validate)
    app.command("fields")(fields)
    app.command("gpus")(gpus)


@friendly_errors
def evaluate(
    file: Path = FILE,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (money in CNY, payback in "
                                 "months, rates as fractions; null = never recovered / undefined)."),
    annual: bool = statements.ANNUAL,
    monthly: Path | None = statements.MONTHLY,
    force: bool = statements.FORCE,
) -> None:
    """Evaluate a scenario: heavy-asset payback, NPV, IRR, margins; light-asset spread per P.

    The table shows money in 万元 (10,000 CNY) and payback in months from the purchase date;
    --json gives CNY and fractions."""
    if monthly is not None:
        statements.check_target(monthly, force)
    s = schema.load(file)
    _report(s)
    from finmodel import model

    r = model.evaluate(s)
    if monthly is not None:
        typer.echo(statements.write_monthly(monthly, r, force), err=True)
    if as_json:
        out = {"scenario": s.name, "file": str(file), "units": {
            "money": "CNY", "payback": "months", "rates": "fraction", "per_p": "CNY per P (PFLOPS) per year"},
            "warnings": [w.text() for w in inert.warnings(s)], "notes": inert.notes(s)}
        for name in ("heavy", "light"):
            res = getattr(r, name)
            out[name] = res
        if annual:
            out["annual"] = statements.annual_json(r)
        echo_json(out)
        return
    _print_tables(s, r)
    if annual:
        statements.print_annual(r)


def _report(s: schema.Scenario) -> list[inert.Finding]:
    """Print the scenario's notes and warnings on stderr; return the warnings."""
    for note in inert.notes(s):
        typer.echo(f"note: {note}", err=True)
    found = inert.warnings(s)
    for w in found:
        typer.echo(f"warning: {w.text()}", err=True)
    return found


#: The ``evaluate`` tables, in order: (where the value comes from, key, label). Values and units are
#: read from the item's declaration (``fmt``, ``nan_means``, ``unit``) through
#: ``display.EVALUATE``; a label of None is the item's "English 中文"; labels may name {discount}
#: and {horizon}. ``input`` rows show a scenario input.
HEAVY_ROWS: tuple[tuple[str, str, str | None], ...] = (
    ("heavy", "capex_cny", None),
    ("heavy", "annual_revenue_cny", "Annual revenue 年租赁收入 (first service year)"),
    ("heavy", "annual_depreciation_cny", "Annual depreciation 年非现金成本"),
    ("heavy", "annual_cash_cost_cny", "Annual cash cost 年现金成本"),
    ("heavy", "payback_months", None),
    ("heavy", "discounted_payback_months", None),
    ("heavy", "project_payback_months", None),
    ("heavy", "npv_cny", "NPV 净现值 (equity) @ {discount}"),
    ("heavy", "irr", "IRR 内部收益率 (equity, annual)"),
    ("heavy", "project_npv_cny", "NPV 项目净现值 (project, unlevered) @ {project_discount}"),
    ("heavy", "project_irr", None),
    ("heavy", "peak_funding_cny", None),
    ("heavy", "peak_funding_month", "Peak funding month 最大资金占用月份"),
    ("heavy", "moic", "MOIC 资金回报倍数 (returned ÷ peak funding)"),
    ("heavy", "roi", "Net cash multiple − 1 净现金倍数−1 ({horizon} months)"),
    ("heavy", "gross_margin", None),
    ("heavy", "ebitda_margin", "EBITDA margin"),
    ("heavy", "net_margin", None),
)
LIGHT_ROWS: tuple[tuple[str, str, str | None], ...] = (
    ("light", "tflops_per_card", "TFLOPS per card 单卡算力"),
    ("light", "p_per_server", "P per server 每台P数"),
    ("light", "revenue_cny_per_p_year", "Revenue per P 每P年收入"),
    ("input", "light.buy_price_cny_per_p_year", "Buy price 采购单价"),
    ("light", "spread_cny_per_p_year", "Spread per P 每P年价差"),
    ("light", "breakeven_occupancy", None),
    ("light", "worst_breakeven_occupancy", "Break-even occupancy, worst year 最差年份"),
    ("light", "worst_breakeven_year", "Worst year 最差年份"),
    ("light", "gross_margin", None),
    ("light", "payback_months", "Platform payback 平台回收期"),
)


#: Issue 12's deal figures, each group shown when the heavy result's switch is on: (switch or the
#: result that must be > 0, rows). Off by default, so the seed's output is unchanged.
DEAL_ROWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("flag_contract", ("contracted_revenue_share", "backlog_at_start_cny")),
    ("loan_cny", ("loan_cny", "dscr_sized_debt_cny", "min_dscr", "average_dscr", "llcr", "months_below_covenant",
                  "covenant_breach")),
    ("flag_vat", ("total_output_vat_cny", "total_input_vat_cny", "total_vat_paid_cny", "vat_credit_left_cny",
                  "total_surtax_cny")),
    ("flag_working_capital", ("peak_working_capital_cny",)),
    ("flag_subsidies", ("total_subsidy_income_cny",)),
)


def deal_rows(r: model.Result) -> tuple[tuple[str, str, str | None], ...]:
    """The rows of :data:`DEAL_ROWS` whose switch is on (the sized debt only when sizing by DSCR)."""
    h = r.heavy
    on = [k for when, keys in DEAL_ROWS if h.get(when, 0) > 0 for k in keys
          if k != "dscr_sized_debt_cny" or h.get("flag_dscr_sizing", 0) > 0]
    return tuple(("heavy", k, None) for k in on)


def _print_tables(s: schema.Scenario, r: model.Result) -> None:
    from rich.console import Console

    con = Console()
    heavy = f"{s.name} — heavy asset 重资产 ({s.heavy.servers} × {s.heavy.cards_per_server}×{s.heavy.gpu})"
    con.print(_table(heavy, HEAVY_ROWS, s, r))
    deal = deal_rows(r)
    if deal:
        con.print(_table("deal 交易结构 (contract, debt, VAT, working capital, subsidies)", deal, s, r))
    light = (f"light asset 轻资产 (brokerage per P = 1 PFLOPS {s.light.precision}, "
             f"{s.heavy.cards_per_server}×{s.light.gpu or s.heavy.gpu} servers)")
    con.print(_table(light, LIGHT_ROWS, s, r))
    con.print(FOOTNOTE, style="dim")


def _table(title: str, rows: tuple[tuple[str, str, str | None], ...], s: schema.Scenario, r: model.Result) -> Table:
    from rich.table import Table

    from finmodel import model
    from finmodel.model import display

    style = display.EVALUATE
    names = {"discount": display.show(s.general.discount_rate_per_year, "frac", style=style),
             "project_discount": display.show(r.heavy["project_discount_rate_per_year"], "frac", style=style),
             "horizon": s.general.horizon_months}
    t = Table(title=title, show_header=True)
    t.add_column("metric")
    t.add_column("value", justify="right")
    t.add_column("unit")
    for source, key, label in rows:
        values = {}
        if source == "input":
            decl: display.Declared = display.input_unit(schema.field_spec(key).unit)
            value, default = s.get(key), key
        else:
            it = model.item(source, key)
            values = getattr(r, source)
            decl, value, default = it, values[key], f"{it.en} {it.zh}"
        text = (label or default).format(**names)
        t.add_row(text, display.show_item(value, decl, style=style, values=values), display.unit_label(decl, style))
    return t


@friendly_errors
def validate(file: Path = MODEL_FILE, strict: bool = STRICT) -> None:
    """Check a scenario or portfolio file: every field's type, unit range and spelling. Exit 0 when valid.

    Inputs written in a scenario file that have no effect under its switches each get a ``warning:``
    line on stderr (exit 2 with --strict); old names and overridden catalogue values a ``note:`` line."""
    s = load_file(file)  # a portfolio has a [cohorts] table
    found = _report(s) if isinstance(s, schema.Scenario) else []
    if strict and found:
        typer.echo(f"error: {file}: {len(found)} input(s) written in the file have no effect (--strict)", err=True)
        raise typer.Exit(2)
    kind = "scenario" if isinstance(s, schema.Scenario) else f"portfolio of {len(s.cohorts)} cohorts"
    typer.echo(f"ok: {file} is a valid {kind} ({s.name!r})")


@friendly_errors
def fields(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable list."),
) -> None:
    """List every scenario input: dotted path, unit, allowed range, default."""
    from rich.table import Table

    rows = [{"path": p, "unit": f.unit, "allowed": f.range_text(), "default": f.default,
             "label_en": f.label_en, "label_zh": f.label_zh, "help": f.help}
            for p, f in schema.FIELDS.items()]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    t = Table(title="scenario fields")
    for c in ("path", "unit", "allowed", "default"):
        t.add_column(c, no_wrap=c == "path")
    for r in rows:
        t.add_row(r["path"], r["unit"], r["allowed"], str(r["default"]))
    print_table(t)  # never cuts a path: piped at full width, a narrow terminal wraps lines instead


#: The precisions ``finmodel gpus`` lists (the catalogue's TFLOPS columns; INT8 in TOPS).
GPU_COLUMNS = ("TF32", "FP16", "BF16", "FP8", "INT8")


@friendly_errors
def gpus() -> None:
    """List the GPU catalogue (dense FP16 TFLOPS, INT8 TOPS, power) with sources.

    Every precision the catalogue has (TF32, FP16, BF16, FP8 TFLOPS; INT8 TOPS), dense tensor peaks
    per card; "—" = no such figure (write light.tflops_per_card for that precision)."""
    from rich.console import Console
    from rich.table import Table

    t = Table(title="GPU catalogue (dense tensor peaks per card, no sparsity)")
    t.add_column("key", no_wrap=True)
    for c in ("memory GB", *(f"{p} {'TOPS' if p == 'INT8' else 'TFLOPS'}" for p in GPU_COLUMNS), "card W",
              "server kW"):
        t.add_column(c, justify="right")
    t.add_column("source", ratio=1)
    for g in catalog.GPUS.values():
        figures = [g.dense_tflops(p) for p in GPU_COLUMNS]
        t.add_row(g.key, str(g.memory_gb), *("—" if v is None else f"{v:g}" for v in figures), f"{g.power_w:g}",
                  f"{g.server_power_kw:g}", g.source)
    Console().print(t)
