"""CLI commands on one scenario: evaluate, validate, fields, gpus."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from finmodel import model, schema
from finmodel.cli.common import FILE, MODEL_FILE, echo_json, friendly_errors, load_file, print_table
from finmodel.model import display
from finmodel.schema import catalog


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
) -> None:
    """Evaluate a scenario: heavy-asset payback, NPV, IRR, margins; light-asset spread per P.

    The table shows money in 万元 (10,000 CNY) and payback in months from the purchase date;
    --json gives CNY and fractions."""
    s = schema.load(file)
    r = model.evaluate(s)
    if as_json:
        out = {"scenario": s.name, "file": str(file), "units": {
            "money": "CNY", "payback": "months", "rates": "fraction", "per_p": "CNY per P (PFLOPS) per year"}}
        for name in ("heavy", "light"):
            res = getattr(r, name)
            out[name] = res
        echo_json(out)
        return
    _print_tables(s, r)


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
    ("heavy", "npv_cny", "NPV 净现值 @ {discount}"),
    ("heavy", "irr", "IRR 内部收益率 (equity, annual)"),
    ("heavy", "gross_margin", None),
    ("heavy", "ebitda_margin", "EBITDA margin"),
    ("heavy", "net_margin", None),
    ("heavy", "roi", "ROI over {horizon} months"),
)
LIGHT_ROWS: tuple[tuple[str, str, str | None], ...] = (
    ("light", "p_per_server", "P per server 每台P数"),
    ("light", "revenue_cny_per_p_year", "Revenue per P 每P年收入"),
    ("input", "light.buy_price_cny_per_p_year", "Buy price 采购单价"),
    ("light", "spread_cny_per_p_year", "Spread per P 每P年价差"),
    ("light", "breakeven_occupancy", None),
    ("light", "gross_margin", None),
    ("light", "payback_months", "Platform payback 平台回收期"),
)


def _print_tables(s: schema.Scenario, r: model.Result) -> None:
    con = Console()
    heavy = f"{s.name} — heavy asset 重资产 ({s.heavy.servers} × {s.heavy.cards_per_server}×{s.heavy.gpu})"
    con.print(_table(heavy, HEAVY_ROWS, s, r))
    con.print(_table("light asset 轻资产 (brokerage per P = 1 PFLOPS " + s.light.precision + ")", LIGHT_ROWS, s, r))


def _table(title: str, rows: tuple[tuple[str, str, str | None], ...], s: schema.Scenario, r: model.Result) -> Table:
    style = display.EVALUATE
    names = {"discount": display.show(s.general.discount_rate_per_year, "frac", style=style),
             "horizon": s.general.horizon_months}
    t = Table(title=title, show_header=True)
    t.add_column("metric")
    t.add_column("value", justify="right")
    t.add_column("unit")
    for source, key, label in rows:
        if source == "input":
            decl: display.Declared = display.input_unit(schema.field_spec(key).unit)
            value, default = s.get(key), key
        else:
            it = model.item(source, key)
            decl, value, default = it, getattr(r, source)[key], f"{it.en} {it.zh}"
        text = (label or default).format(**names)
        t.add_row(text, display.show_item(value, decl, style=style), display.unit_label(decl, style))
    return t


@friendly_errors
def validate(file: Path = MODEL_FILE) -> None:
    """Check a scenario or portfolio file: every field's type, unit range and spelling. Exit 0 when valid."""
    s = load_file(file)  # a portfolio has a [cohorts] table (engineer A, issue 14)
    kind = "scenario" if isinstance(s, schema.Scenario) else f"portfolio of {len(s.cohorts)} cohorts"
    typer.echo(f"ok: {file} is a valid {kind} ({s.name!r})")


@friendly_errors
def fields(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable list."),
) -> None:
    """List every scenario input: dotted path, unit, allowed range, default."""
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


@friendly_errors
def gpus() -> None:
    """List the GPU catalogue (dense FP16 TFLOPS, INT8 TOPS, power) with sources."""
    t = Table(title="GPU catalogue")
    for c in ("key", "memory GB", "FP16 TFLOPS", "INT8 TOPS", "card W", "server kW", "source"):
        t.add_column(c)
    for g in catalog.GPUS.values():
        t.add_row(g.key, str(g.memory_gb), f"{g.fp16_tflops:g}", f"{g.int8_tops:g}", f"{g.power_w:g}",
                  f"{g.server_power_kw:g}", g.source)
    Console().print(t)
