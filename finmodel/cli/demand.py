"""CLI command ``finmodel demand FILE``: GPUs, P, card-hours and market value of a workload file,
and with ``--share`` the fleet a heavy-asset lessor needs and its payback."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from finmodel import demand, model, schema
from finmodel.cli.common import CLIError, console, friendly_errors, jsonable
from finmodel.model import display

FILE = typer.Argument(..., help="Workload file (TOML), e.g. assumptions/demand/seed_china_market.toml.",
                      show_default=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("demand")(demand_command)


def _num(x: float, fmt: str) -> str:
    return "—" if not math.isfinite(x) else format(x, fmt)


def _wan(x: float) -> str:
    """CNY per year in 万元 without decimals ("—" when undefined)."""
    return display.show(x, "cny", style=display.EVALUATE, digits=0)


@friendly_errors
def demand_command(
    file: Path = FILE,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (CNY, card-hours, fractions; "
                                 "null = not applicable)."),
    price: float | None = typer.Option(None, "--price", help="Rental price for the market value (CNY/card-hour); "
                                       "default: the base scenario's (22.5 in the seed, 002:1518).",
                                       show_default=False),
    share: float | None = typer.Option(None, "--share", help="Market share a heavy-asset lessor serves (fraction, "
                                       "0-1); prints the servers needed per GPU type and their payback.",
                                       show_default=False),
    occupancy: float | None = typer.Option(None, "--occupancy", help="Rental occupancy of that fleet: share of its "
                                           "card-hours rented (fraction, 0-1); default: the base scenario's.",
                                           show_default=False),
    scenario: Path | None = typer.Option(None, "--scenario", help="Base heavy-asset scenario (TOML) for server "
                                         "price, costs, cards per server and hours per year; default: the "
                                         "schema defaults (the seed's case).", show_default=False),
) -> None:
    """Size the demand of a workload file: compute rate, GPUs, P, card-hours and market value.

    MFU (compute efficiency) is the share of peak a workload achieves; occupancy is the share of card-hours rented.

    The table shows 万 card-hours and 万元 (10,000); --json gives card-hours and CNY."""
    ws = demand.load(file)
    base = schema.load(scenario) if scenario is not None else schema.default()
    price = base.heavy.price_cny_per_card_hour if price is None else price
    spec = schema.FIELDS["heavy.price_cny_per_card_hour"]  # the price the fleet scenario will carry
    if not spec.check(price):
        raise CLIError(f"--price = {price}: out of range; allowed: {spec.bounds_text()}")
    occ = base.heavy.occupancy if occupancy is None else occupancy
    d = demand.size(ws, hours_per_year=base.general.hours_per_year)
    df = d.frame(price)
    fleets = []
    if share is not None:
        for gpu in demand.gpus_in(d):
            fl = demand.fleet(d, share, gpu=gpu, cards_per_server=base.heavy.cards_per_server, occupancy=occ)
            payback = math.nan
            if fl.servers > 0:
                s = demand.fleet_scenario(base, fl.servers, gpu, price_cny_per_card_hour=price, occupancy=occ)
                payback = model.evaluate(s).heavy["payback_months"]
            fleets.append((fl, payback))
    if as_json:
        typer.echo(json.dumps(_json(file, ws, df, price, d.hours_per_year, fleets), ensure_ascii=False, indent=2))
        return
    _print(ws, df, price, fleets)


def _json(file: Path, ws: demand.WorkloadSet, df, price: float, hours: float, fleets) -> dict[str, Any]:
    rows = []
    for name, r in df.iterrows():
        rows.append({"workload": name, **{k: (v if isinstance(v, str) else jsonable(v)) for k, v in r.items()}})
    return {
        "file": str(file), "name": ws.name,
        "units": {"compute_rate_per_s": "FLOP/s (FP16) or OP/s (INT8), per model",
                  "peak_tflops": "TFLOPS or TOPS per GPU at the precision", "gpus": "GPUs, all models",
                  "p_needed": "P = 1,000 TFLOPS (or TOPS) at the precision", "gpu_hours": "card-hours",
                  "market_value_cny_per_year": "CNY/year", "compute_efficiency": "fraction of peak (MFU)"},
        "price_cny_per_card_hour": price, "hours_per_year": hours, "workloads": rows,
        "totals": {"gpus": float(df["gpus"].sum()), "gpu_hours_per_year": float(df["gpu_hours_per_year"].sum()),
                   "market_value_cny_per_year": float(df["market_value_cny_per_year"].sum())},
        "fleets": [{"gpu": fl.gpu, "share": fl.share, "occupancy": fl.occupancy,
                    "cards_per_server": fl.cards_per_server, "servers": fl.servers, "cards": fl.cards,
                    "demand_gpu_hours_per_year": fl.demand_gpu_hours_per_year,
                    "served_gpu_hours_per_year": fl.served_gpu_hours_per_year, "workloads": list(fl.workloads),
                    "payback_months": jsonable(pb)} for fl, pb in fleets],
    }


def _print(ws: demand.WorkloadSet, df, price: float, fleets) -> None:
    con = console()
    t = Table(title=f"{ws.name}\n算力需求 demand; market value at {price:g} 元/card-hour\n"
                    "(MFU = compute efficiency, not rental occupancy)")
    t.add_column("workload\n工作负载", min_width=14)
    t.add_column("GPU\nprecision·MFU", no_wrap=True)
    for col in ("GPUs\n张", "P\nneeded", "万 card-h\n/year", "万元\n/year"):
        t.add_column(col, justify="right", no_wrap=True)
    for name, r in df.iterrows():
        per = "" if r["models"] == 1 else f", {r['models']:,.0f} × {r['gpus_per_model']:,.1f} GPUs"
        t.add_row(f"{name}\n({r['kind']}{per})", f"{r['gpu']}\n{r['precision']} · {r['compute_efficiency']:.0%}",
                  _num(r["gpus"], ",.1f"), _num(r["p_needed"], ",.1f"),
                  _num(r["gpu_hours_per_year"] / 1e4, ",.0f"), _wan(r["market_value_cny_per_year"]))
    t.add_section()
    t.add_row("total 合计", "", _num(df["gpus"].sum(), ",.1f"), "",
              _num(df["gpu_hours_per_year"].sum() / 1e4, ",.0f"), _wan(df["market_value_cny_per_year"].sum()))
    con.print(t)
    if not fleets:
        return
    f = Table(title="servers for a market share 市场份额所需服务器\n"
                    "ceil(card-hours × share ÷ (cards per server × hours × occupancy))")
    for col in ("GPU", "share", "occupancy", "servers 台", "cards 张", "payback\nmonths"):
        f.add_column(col, justify="left" if col == "GPU" else "right")
    for fl, pb in fleets:
        f.add_row(fl.gpu, f"{fl.share:.1%}", f"{fl.occupancy:.0%}", f"{fl.servers:,}", f"{fl.cards:,}",
                  display.show(pb, "months", "n/a", style=display.EVALUATE))
    con.print(f)
