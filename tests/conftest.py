"""Shared fixtures and helpers: the repository root, the shipped presets, random valid scenarios drawn
from the schema's declarations, single-evaluation results and NaN-aware comparison."""

from __future__ import annotations

import dataclasses
import math
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from finmodel import model, schema
from finmodel.model import results
from finmodel.schema import deal_revenue

ROOT = Path(__file__).resolve().parents[1]
PRESETS = sorted((ROOT / "assumptions").glob("*.toml"))
#: The deal presets of issue 12 (``deal_*.toml``) write the deal sections; the rest leave them at
#: their defaults, so they are the files "unchanged by the defaults" and the scalar twin speak of.
DEAL_PRESETS = [p for p in PRESETS if p.stem.startswith("deal_")]
PLAIN_PRESETS = [p for p in PRESETS if p not in DEAL_PRESETS]
SEED_FILE = ROOT / "assumptions" / "seed_fs2024.toml"
SEED_PRINTED_FILE = ROOT / "assumptions" / "seed_fs2024_printed.toml"


@pytest.fixture(scope="session")
def seed() -> schema.Scenario:
    return schema.load(SEED_FILE)


@pytest.fixture(scope="session")
def presets() -> list[schema.Scenario]:
    return [schema.load(p) for p in PRESETS]


@pytest.fixture(scope="session")
def plain_presets() -> list[schema.Scenario]:
    """The presets without deal sections (see :data:`PLAIN_PRESETS`)."""
    return [schema.load(p) for p in PLAIN_PRESETS]


#: Where :func:`random_scenario` draws each input, in draw order (the order fixes the scenarios a
#: seed gives). ``(lo, hi)``: uniform, or integers lo ≤ n < hi for integer fields; a list: one of
#: these values; ``OFF_OR(lo, hi)``: off (0, or unset for optional fields) half the time, else
#: uniform; ``CHOICES``: one of the declared options. The ranges are deliberately narrower than the
#: declared bounds: realistic cases in which paybacks and IRRs exist, so that comparisons of the
#: engine with its twin, the workbook and single evaluations have numbers to compare. Every range
#: must lie inside the field's declared bounds (checked below); a numeric field not listed here is
#: drawn over its whole declared range, so a new input is varied from the day it is declared.
CHOICES = "choices"
DECLARED = "declared bounds"


@dataclasses.dataclass(frozen=True)
class OFF_OR:  # noqa: N801 - reads as a draw rule in the table
    lo: float
    hi: float


DRAWS: dict[str, Any] = {
    "heavy.servers": (1, 20), "heavy.cards_per_server": [4, 8], "heavy.server_price_cny": (5e5, 3e6),
    "heavy.network_cost_cny": (0, 3e5), "heavy.parts_cost_cny": (0, 2e5), "heavy.other_infrastructure_cny": (0, 1e5),
    "heavy.lead_time_months": (0, 6), "heavy.depreciation_method": CHOICES, "heavy.depreciation_life_years": (2, 8),
    "heavy.salvage_fraction": (0, 0.2), "heavy.declining_balance_factor": (1.2, 2.5),
    "heavy.terminal_value_fraction": (0, 1), "heavy.price_cny_per_card_hour": (3, 40), "heavy.billing_mode": CHOICES,
    "heavy.monthly_price_factor": (0.5, 1.0), "heavy.annual_discount_factor": (0.8, 1.0), "heavy.occupancy": (0.2, 1.0),
    "heavy.occupancy_start": (0, 0.5), "heavy.ramp_months": (0, 12), "heavy.price_change_per_year": (-0.3, 0.1),
    "heavy.cash_cost_method": CHOICES, "heavy.noncash_share_of_cost": (0.4, 0.9), "heavy.energy_method": CHOICES,
    "heavy.power_kw_per_server": (2, 12), "heavy.pue": (1.05, 1.8), "heavy.electricity_cny_per_kwh": (0.3, 1.0),
    "heavy.idle_power_fraction": (0, 0.5), "heavy.energy_fixed_cny_per_server_month": (2000, 15000),
    "heavy.om_share_of_revenue": (0, 0.2), "heavy.om_fixed_cny_per_server_month": (0, 3000),
    "heavy.colocation_cny_per_server_month": (0, 10000), "heavy.staff_cny_per_month": (0, 80000),
    "heavy.other_cny_per_month": (0, 20000), "heavy.other_share_of_revenue": (0, 0.08),
    "heavy.loan_share_of_capex": OFF_OR(0.1, 0.8), "heavy.loan_rate_per_year": OFF_OR(0.02, 0.1),
    "heavy.loan_term_months": (6, 72),
    "light.buy_price_cny_per_p_year": (5e4, 3e5), "light.sell_price_basis": CHOICES,
    "light.sell_price_cny_per_p_year": (1e5, 7e5), "light.tflops_per_card": (100, 1000),
    "light.p_per_server_override": OFF_OR(1, 10), "light.price_cny_per_card_hour": OFF_OR(3, 40),
    "light.capacity_p": (1, 500), "light.occupancy": (0.2, 1.0), "light.occupancy_start": (0, 0.5),
    "light.ramp_months": (0, 12), "light.price_change_per_year": (-0.2, 0.1),
    "light.vas_revenue_cny_per_p_year": (0, 5e4), "light.vas_cost_share": (0, 0.6),
    "light.platform_fixed_cost_cny_per_month": (0, 3e5), "light.platform_investment_cny": (0, 5e6),
    "light.platform_life_years": (1, 8),
    "general.horizon_months": (12, 97), "general.discount_rate_per_year": (0, 0.2),
    "general.tax_rate": [0.0, 0.15, 0.25], "general.hours_per_year": [8760.0, 8784.0, 8400.0],
}
#: The calendar (issue 13): a purchase month 2018-01 … 2030-12 (month numbers) and any fiscal-year
#: start, drawn from a generator spawned from ``rng`` (which leaves ``rng``'s stream as it was), so
#: that a seed gives the scenarios — and the sequence of scenarios — it gave before. They move period
#: labels and the annual grouping only.
CALENDAR_DRAWS: dict[str, Any] = {
    "general.start_date": (int(schema.Month.of(2018, 1)), int(schema.Month.of(2030, 12)) + 1),
    "general.fiscal_year_start_month": (1, 13),
}
#: Held at their defaults: text keys, single-option choices, light.precision (a label of P that
#: no figure depends on) and the debt terms of [financing] (issue 12: the twin models the loan before
#: them; tests/test_debt.py draws them, see ``random_financing`` there).
KEPT = {"light.precision"} | {p for p, f in schema.FIELDS.items() if f.kind == "str" or len(f.choices) == 1
                              or f.section == "financing"}
#: Issue 12's revenue-side sections (contract, market, service, working capital, VAT) stay off here, so
#: the twin and the existing comparisons keep their scenarios; tests/test_contracts.py draws them on.
KEPT |= {p for p, f in schema.FIELDS.items() if f.section in deal_revenue.SECTIONS}
#: Issue 12's tax, subsidy and escalation sections stay at their defaults here (the scalar twin has
#: no statute tax); tests/test_tax_statute.py draws them with :data:`DEAL_TAX_DRAWS`.
KEPT |= {p for p, f in schema.FIELDS.items() if f.section in ("tax", "subsidy", "escalation", "fx")}


def _check_draws() -> None:
    """Every listed field is declared, and every range lies inside its declared bounds."""
    for path, rule in {**DRAWS, **CALENDAR_DRAWS}.items():
        spec = schema.FIELDS[path]
        lo, hi = spec.closed_bounds()
        values = rule if isinstance(rule, list) else [rule.lo, rule.hi] if isinstance(rule, OFF_OR) else (
            [] if rule == CHOICES else [rule[0], rule[1] - (spec.kind in ("int", "month"))])
        assert (rule == CHOICES) == (spec.kind == "choice"), path
        assert all(lo <= v <= hi for v in values), (path, rule, (lo, hi))


_check_draws()


def random_scenario(rng: np.random.Generator, *, horizon: int | None = None) -> schema.Scenario:
    """A random valid scenario exercising every switch: lead time, ramps, billing modes, both
    cash-cost methods, both depreciation methods, loans, tax, light-asset options (see :data:`DRAWS`)."""
    listed = DRAWS.keys() | CALENDAR_DRAWS.keys() | KEPT
    rules = {**DRAWS, **{p: DECLARED for p in schema.FIELDS if p not in listed}}
    data: dict[str, Any] = {section: {} for section in schema.SECTIONS}
    calendar = rng.spawn(1)[0]
    for path, rule in [*rules.items(), *CALENDAR_DRAWS.items()]:
        spec = schema.FIELDS[path]
        if path == "general.horizon_months" and horizon is not None:
            value: Any = horizon
        else:
            value = _draw(calendar if path in CALENDAR_DRAWS else rng, spec, rule)
        if value is not None:
            data[spec.section][spec.name] = value
    data["name"] = f"random-{int(rng.integers(1_000_000))}"
    return schema.validate(data)


def _draw(rng: np.random.Generator, spec: schema.FieldSpec, rule: Any) -> Any:
    whole = spec.kind in ("int", "month")  # a month is drawn as its month number
    def pick(options: Sequence[Any]) -> Any:
        return options[int(rng.integers(len(options)))]

    if rule == CHOICES or (rule == DECLARED and spec.kind == "choice"):
        return pick(spec.choices)
    if rule == DECLARED:
        lo, hi = spec.closed_bounds()
        return int(rng.integers(int(lo), int(hi) + 1)) if whole else float(rng.uniform(lo, hi))
    if isinstance(rule, list):
        return pick(rule)
    if isinstance(rule, OFF_OR):
        on = float(rng.uniform(rule.lo, rule.hi))
        return pick([None if spec.optional else 0.0, on])
    lo, hi = rule
    return int(rng.integers(lo, hi)) if whole else float(rng.uniform(lo, hi))


def result(s: schema.Scenario, changes: dict, metric: str) -> float:
    """One result (``heavy.npv_cny``) of ``s`` with some inputs changed, by a single evaluation."""
    r = model.evaluate(s.replace(changes) if changes else s)
    m, key = results.split(metric)
    return getattr(r, m)[key]


def same(a: float, b: float, rel: float = 1e-12, abs_: float | None = None) -> bool:
    """Equal within ``rel`` of max(1, |b|) — or, with ``abs_``, ``math.isclose(a, b, rel_tol=rel,
    abs_tol=abs_)`` — where NaN (never, none) equals only NaN."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if abs_ is not None:
        return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)
    return abs(a - b) <= rel * max(1.0, abs(b))


def require_binary(name: str) -> str:
    """Path of a system binary; skip without it, but fail where CI is set."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is required in CI (scripts/install_system_deps.sh installs it)")
        pytest.skip(f"{name} not installed (run scripts/install_system_deps.sh)")
    return path
