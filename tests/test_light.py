"""Light-asset (brokerage) model: per-P economics, take-or-pay, break-even, platform payback."""

from __future__ import annotations

import math

import numpy as np
import pytest

from finmodel import model

from . import twin
from .conftest import random_scenario, same


@pytest.mark.parametrize("i", range(40))
def test_per_p_economics_match_scalar_twin(i):
    s = random_scenario(np.random.default_rng(3000 + i))
    got, want = model.evaluate(s).light, twin.light(s)
    for k, v in want.items():
        assert same(got[k], v, rel=1e-9, abs_=1e-6), (k, got[k], v)


def test_take_or_pay_unsold_capacity_still_costs(seed):
    s = seed.replace({"light.occupancy": 0.5, "light.capacity_p": 10.0})
    m = model.evaluate(s).light_monthly
    assert m["capacity_cost_cny"].iloc[1] == pytest.approx(10 * 200_000 / 12, rel=1e-12)
    assert m["resale_revenue_cny"].iloc[1] == pytest.approx(10 * 0.5 * (22.5 * 8760 / 0.312) / 12, rel=1e-12)


def test_breakeven_occupancy_zeroes_the_margin(seed):
    s = seed.replace({"light.capacity_p": 20.0, "light.platform_fixed_cost_cny_per_month": 150_000.0,
                      "light.vas_revenue_cny_per_p_year": 30_000.0, "light.vas_cost_share": 0.5})
    be = model.evaluate(s).light["breakeven_occupancy"]
    at = model.evaluate(s.replace({"light.occupancy": be}))
    assert at.light["total_ebitda_cny"] == pytest.approx(0.0, abs=1e-6 * at.light["total_revenue_cny"])


def test_breakeven_capacity_covers_fixed_costs(seed):
    s = seed.replace({"light.platform_fixed_cost_cny_per_month": 100_000.0, "light.occupancy": 0.6})
    p = model.evaluate(s).light["breakeven_capacity_p"]
    at = model.evaluate(s.replace({"light.capacity_p": p}))
    assert at.light["total_ebitda_cny"] == pytest.approx(0.0, abs=1e-6 * at.light["total_revenue_cny"])
    # a platform whose resale margin is negative can never cover fixed costs
    assert math.isnan(model.evaluate(s.replace({"light.occupancy": 0.2})).light["breakeven_capacity_p"])


def test_platform_investment_payback(seed):
    s = seed.replace({"light.platform_investment_cny": 1_000_000.0, "light.capacity_p": 10.0})
    r = model.evaluate(s).light
    monthly_profit = 10 * (22.5 * 8760 / 0.312 - 200_000) / 12  # no tax, full occupancy
    assert r["payback_months"] == pytest.approx(1_000_000 / monthly_profit, rel=1e-12)


def test_p_year_basis_and_own_card_price(seed):
    r = model.evaluate(seed.replace({"light.sell_price_basis": "p_year", "light.sell_price_cny_per_p_year": 300_000.0}))
    assert r.light["spread_cny_per_p_year"] == 100_000.0
    r2 = model.evaluate(seed.replace({"light.price_cny_per_card_hour": 30.0}))
    assert r2.light["revenue_cny_per_p_year"] == pytest.approx(30 * 8 * 8760 / 2.496, rel=1e-12)


def test_light_follows_heavy_price_when_unset(seed):
    r = model.evaluate(seed.replace({"heavy.price_cny_per_card_hour": 30.0}))
    assert r.light["revenue_cny_per_p_year"] == pytest.approx(30 * 8760 / 0.312, rel=1e-12)
