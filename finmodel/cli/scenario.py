"""CLI commands on one scenario: evaluate, validate, fields, gpus."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from finmodel import model, schema
from finmodel.cli.common import echo_json, friendly_errors, months, pct, wan
from finmodel.schema import catalog

FILE = typer.Argument(..., help="Scenario file (TOML), e.g. assumptions/seed_fs2024.toml.", show_default=False)


def register(app: typer.Typer) -> None:
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


def _print_tables(s: schema.Scenario, r: model.Result) -> None:
    con = Console()
    h, li = r.heavy, r.light
    t = Table(title=f"{s.name} — heavy asset 重资产 ({s.heavy.servers} × {s.heavy.cards_per_server}×{s.heavy.gpu})",
              show_header=True)
    t.add_column("metric")
    t.add_column("value", justify="right")
    t.add_column("unit")
    rows = [
        ("Capex 设备购置成本", wan(h["capex_cny"]), "万元"),
        ("Annual revenue 年租赁收入 (first service year)", wan(h["annual_revenue_cny"]), "万元/年"),
        ("Annual depreciation 年非现金成本", wan(h["annual_depreciation_cny"]), "万元/年"),
        ("Annual cash cost 年现金成本", wan(h["annual_cash_cost_cny"]), "万元/年"),
        ("Payback 投资回收期", months(h["payback_months"]), "months"),
        ("Discounted payback 折现回收期", months(h["discounted_payback_months"]), "months"),
        (f"NPV 净现值 @ {pct(s.general.discount_rate_per_year)}", wan(h["npv_cny"]), "万元"),
        ("IRR 内部收益率 (equity, annual)", pct(h["irr"]), "/year"),
        ("Gross margin 毛利率", pct(h["gross_margin"]), ""),
        ("EBITDA margin", pct(h["ebitda_margin"]), ""),
        ("Net margin 净利率", pct(h["net_margin"]), ""),
        (f"ROI over {s.general.horizon_months} months", pct(h["roi"]), ""),
    ]
    for row in rows:
        t.add_row(*row)
    con.print(t)
    t2 = Table(title="light asset 轻资产 (brokerage per P = 1 PFLOPS " + s.light.precision + ")")
    t2.add_column("metric")
    t2.add_column("value", justify="right")
    t2.add_column("unit")
    for row in [
        ("P per server 每台P数", f"{li['p_per_server']:.4g}", "P"),
        ("Revenue per P 每P年收入", wan(li["revenue_cny_per_p_year"]), "万元/P/年"),
        ("Buy price 采购单价", wan(s.light.buy_price_cny_per_p_year), "万元/P/年"),
        ("Spread per P 每P年价差", wan(li["spread_cny_per_p_year"]), "万元/P/年"),
        ("Break-even occupancy 盈亏平衡出租率", pct(li["breakeven_occupancy"]), ""),
        ("Gross margin 毛利率", pct(li["gross_margin"]), ""),
        ("Platform payback 平台回收期", months(li["payback_months"]), "months"),
    ]:
        t2.add_row(*row)
    con.print(t2)


@friendly_errors
def validate(file: Path = FILE) -> None:
    """Check a scenario file: every field's type, unit range and spelling. Exit 0 when valid."""
    s = schema.load(file)
    typer.echo(f"ok: {file} is a valid scenario ({s.name!r})")


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
        t.add_column(c)
    for r in rows:
        t.add_row(r["path"], r["unit"], r["allowed"], str(r["default"]))
    Console().print(t)


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
