"""Tornado, two-way grid and goal seek, checked against single evaluations and hand calculations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel import schema
from finmodel.analysis import sensitivity, sweep

from .conftest import random_scenario
from .twin import same
from .twin import single as result

HOURS_PER_MONTH = 8760 / 12


# --------------------------------------------------------------------------- tornado
def test_tornado_signs(seed):
    df = sensitivity.tornado(seed)
    row = lambda f, m: df[(df.field == f) & (df.metric == m)].iloc[0]  # noqa: E731
    price = row("heavy.price_cny_per_card_hour", "heavy.payback_months")
    assert price.low_input == pytest.approx(18.0) and price.high_input == pytest.approx(27.0)
    assert price.low_result > price.base_result > price.high_result  # higher price → shorter payback
    npv = row("heavy.price_cny_per_card_hour", "heavy.npv_cny")
    assert npv.low_result < npv.base_result < npv.high_result  # … and higher NPV
    capex = row("heavy.server_price_cny", "heavy.payback_months")
    assert capex.low_result < capex.base_result < capex.high_result  # dearer servers → longer payback
    disc = row("general.discount_rate_per_year", "heavy.npv_cny")
    assert disc.low_result > disc.base_result > disc.high_result
    assert row("general.discount_rate_per_year", "heavy.payback_months").swing == 0  # payback is undiscounted


def test_tornado_rows_equal_single_evaluations_and_are_sorted(seed):
    df = sensitivity.tornado(seed, low=-0.3, high=0.1)
    assert list(df.columns) == ["field", "label_en", "label_zh", "unit", "base_input", "low_input", "high_input",
                                "metric", "base_result", "low_result", "high_result", "swing"]
    assert list(dict.fromkeys(df.metric)) == list(sensitivity.TORNADO_METRICS)
    for _, part in df.groupby("metric", sort=False):
        assert list(part.swing) == sorted(part.swing, reverse=True)
    for r in df.sample(12, random_state=1).itertuples():
        assert same(r.low_result, result(seed, {r.field: r.low_input}, r.metric))
        assert same(r.high_result, result(seed, {r.field: r.high_input}, r.metric))
        assert same(r.base_result, result(seed, {}, r.metric))


def test_tornado_clips_to_bounds_and_rounds_integers(seed):
    df = sensitivity.tornado(seed, ["heavy.occupancy", "heavy.cards_per_server", "heavy.depreciation_life_years"])
    occ = df[df.field == "heavy.occupancy"].iloc[0]
    assert occ.low_input == pytest.approx(0.8) and occ.high_input == 1.0  # 1.2 clipped to the maximum 1
    cards = df[df.field == "heavy.cards_per_server"].iloc[0]
    assert (cards.low_input, cards.high_input) == (6.0, 10.0)  # 6.4 and 9.6 rounded
    assert df[df.field == "heavy.depreciation_life_years"].iloc[0].low_input == 4.0


def test_tornado_default_fields_follow_the_cash_cost_method(seed):
    ratio = set(sensitivity.tornado(seed).field)
    assert "heavy.price_cny_per_card_hour" in ratio and "heavy.noncash_share_of_cost" in ratio
    assert "heavy.electricity_cny_per_kwh" not in ratio  # no effect under the 60:40 ratio method
    assert "heavy.staff_cny_per_month" not in ratio  # zero ± 20 % is still zero
    bottom = seed.replace({"heavy.cash_cost_method": "bottom_up"})
    fields = set(sensitivity.tornado(bottom).field)
    assert "heavy.electricity_cny_per_kwh" in fields and "heavy.pue" in fields
    assert "heavy.noncash_share_of_cost" not in fields


def test_tornado_explicit_values_and_never(seed):
    df = sensitivity.tornado(seed, {"heavy.occupancy": (0.05, 0.9), "heavy.price_cny_per_card_hour": None},
                             metrics=["payback_months"])
    occ = df[df.field == "heavy.occupancy"].iloc[0]
    assert (occ.low_input, occ.high_input) == (0.05, 0.9)
    assert math.isnan(occ.low_result) and math.isinf(occ.swing)  # never pays back at 5 % occupancy
    assert df.iloc[0].field == "heavy.occupancy"  # an infinite swing sorts first


def test_tornado_errors(seed):
    with pytest.raises(schema.UnknownFieldError, match="did you mean heavy.occupancy"):
        sensitivity.tornado(seed, ["heavy.occupncy"])
    with pytest.raises(ValueError, match="not a number"):
        sensitivity.tornado(seed, ["heavy.billing_mode"])
    with pytest.raises(ValueError, match="time axis"):
        sensitivity.tornado(seed, ["general.horizon_months"])
    with pytest.raises(ValueError, match="pair"):
        sensitivity.tornado(seed, {"heavy.occupancy": (0.5,)})
    with pytest.raises(schema.ScenarioError, match="heavy.occupancy"):
        sensitivity.tornado(seed, {"heavy.occupancy": (0.5, 1.5)})
    with pytest.raises(ValueError, match="unknown result"):
        sensitivity.tornado(seed, metrics=["heavy.paybak"])


# --------------------------------------------------------------------------- grid
def test_grid_values_equal_single_evaluations(seed):
    xs, ys = [0.4, 0.7, 1.0], [12.0, 22.5, 35.0]
    df = sensitivity.grid(seed, "heavy.occupancy", xs, "heavy.price_cny_per_card_hour", ys, "heavy.payback_months")
    assert list(df.columns) == ["heavy.occupancy", "heavy.price_cny_per_card_hour", "heavy.payback_months"]
    assert len(df) == 9 and df["heavy.occupancy"].tolist() == [0.4] * 3 + [0.7] * 3 + [1.0] * 3
    for r in df.itertuples(index=False):
        assert same(r[2], result(seed, {"heavy.occupancy": r[0], "heavy.price_cny_per_card_hour": r[1]},
                                 "heavy.payback_months"))
    irr = sensitivity.grid(seed, "heavy.billing_mode", ["hourly", "annual"], "general.discount_rate_per_year",
                           [0.0, 0.1], ["heavy.irr", "heavy.npv_cny"])
    for r in irr.itertuples(index=False):
        changes = {"heavy.billing_mode": r[0], "general.discount_rate_per_year": r[1]}
        assert same(r[2], result(seed, changes, "heavy.irr")) and same(r[3], result(seed, changes, "heavy.npv_cny"))
    with pytest.raises(ValueError, match="same input"):
        sensitivity.grid(seed, "heavy.occupancy", xs, "heavy.occupancy", xs)


# --------------------------------------------------------------------------- goal seek
def test_solve_price_for_payback_matches_hand_calculation(seed):
    """Seed: level monthly flows, so payback P = capex / (revenue − cash cost) per month.
    Cash cost (60:40 method) = depreciation × 0.4 / 0.6 = 1.8M / 60 × 2/3 = 20,000 元/month.
    Price for P = 24: (1.8M / 24 + 20,000) / (8 cards × 730 h)."""
    res = sensitivity.solve(seed, "heavy.price_cny_per_card_hour", "payback_months", 24)
    expected = (1_800_000 / 24 + 1_800_000 / 60 * 0.4 / 0.6) / (8 * HOURS_PER_MONTH)
    assert res.converged
    assert res.value == pytest.approx(expected, rel=1e-9)
    assert res.target == "heavy.payback_months" and res.base_input == 22.5
    achieved = result(seed, {"heavy.price_cny_per_card_hour": res.value}, "heavy.payback_months")
    assert achieved == pytest.approx(24, abs=1e-6) and achieved == pytest.approx(res.achieved, rel=1e-12)


@pytest.mark.parametrize("vary, target, value", [
    ("heavy.occupancy", "heavy.irr", 0.15),
    ("heavy.price_cny_per_card_hour", "heavy.npv_cny", 0.0),
    ("heavy.server_price_cny", "heavy.payback_months", 30.0),
    ("general.discount_rate_per_year", "heavy.npv_cny", 1e6),
    ("heavy.occupancy", "heavy.discounted_payback_months", 40.0),
])
def test_solve_hits_the_target_when_re_evaluated(seed, vary, target, value):
    res = sensitivity.solve(seed, vary, target, value)
    assert res.converged, res.message
    achieved = result(seed, {vary: res.value}, target)
    scale = max(abs(value), abs(res.base_result), 1.0)
    assert abs(achieved - value) <= 1e-7 * scale


def test_solve_light_spread_zero_is_the_revenue_per_p(seed):
    """Spread = revenue per P − buy price, revenue per P = price × cards × hours ÷ P per server."""
    res = sensitivity.solve(seed, "light.buy_price_cny_per_p_year", "light.spread_cny_per_p_year", 0)
    revenue_per_p = 22.5 * 8 * 8760 / (8 * 312 / 1000)
    assert res.value == pytest.approx(revenue_per_p, rel=1e-9)
    assert abs(result(seed, {"light.buy_price_cny_per_p_year": res.value}, "light.spread_cny_per_p_year")) < 1e-3


def test_solve_many_is_vectorised_and_equals_single_solves(seed):
    targets = [12.0, 18.0, 24.0, 36.0, 59.0]
    many = sensitivity.solve_many(seed, "heavy.price_cny_per_card_hour", "heavy.payback_months", targets)
    assert [r.target_value for r in many] == targets
    prices = [r.value for r in many]
    assert prices == sorted(prices, reverse=True)  # a longer payback needs a lower price
    for r in many:
        one = sensitivity.solve(seed, "heavy.price_cny_per_card_hour", "heavy.payback_months", r.target_value)
        assert r.value == pytest.approx(one.value, rel=1e-9)
        assert abs(result(seed, {"heavy.price_cny_per_card_hour": r.value}, "heavy.payback_months")
                   - r.target_value) < 1e-6


def test_solve_out_of_reach_says_what_is_reachable(seed):
    with pytest.raises(sensitivity.NoSolution, match=r"no value of heavy.occupancy in \[0, 1\].*reachable 16.1"):
        sensitivity.solve(seed, "heavy.occupancy", "payback_months", 6)
    with pytest.raises(sensitivity.NoSolution, match=r"in \[0.5, 0.6\]"):
        sensitivity.solve(seed, "heavy.occupancy", "payback_months", 24, lo=0.5, hi=0.6)
    with pytest.raises(sensitivity.NoSolution, match="does not depend"):
        sensitivity.solve(seed, "heavy.servers", "payback_months", 30)  # payback is scale-free
    many = sensitivity.solve_many(seed, "heavy.occupancy", "payback_months", [6, 24])
    assert math.isnan(many[0].value) and not many[0].converged and many[1].converged


def test_solve_integer_input(seed):
    res = sensitivity.solve(seed, "heavy.cards_per_server", "payback_months", 20)
    assert res.value == int(res.value)
    lower = result(seed, {"heavy.cards_per_server": res.value - 1}, "heavy.payback_months")
    upper = result(seed, {"heavy.cards_per_server": res.value + 1}, "heavy.payback_months")
    assert abs(res.achieved - 20) <= min(abs(lower - 20), abs(upper - 20))
    assert "whole number" in res.message or res.converged


def test_solve_errors(seed):
    with pytest.raises(ValueError, match="outside the allowed range"):
        sensitivity.solve(seed, "heavy.occupancy", "payback_months", 24, lo=-1)
    with pytest.raises(ValueError, match="above hi"):
        sensitivity.solve(seed, "heavy.occupancy", "payback_months", 24, lo=0.9, hi=0.2)
    with pytest.raises(ValueError, match="unknown result"):
        sensitivity.solve(seed, "heavy.occupancy", "payback", 24)
    with pytest.raises(schema.UnknownFieldError, match="did you mean"):
        sensitivity.solve(seed, "heavy.price", "payback_months", 24)
    with pytest.raises(ValueError, match="finite"):
        sensitivity.solve(seed, "heavy.occupancy", "payback_months", float("nan"))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.05, 0.95))
def test_property_solved_payback_is_hit_on_random_scenarios(n, q):
    """On random scenarios: pick a reachable payback target (a quantile of the values seen when
    the price varies) and check the solved price re-evaluates to it."""
    s = random_scenario(np.random.default_rng(n), horizon=60)
    prices = np.linspace(1, 200, 40)
    paybacks = sweep.evaluate(s, {"heavy.price_cny_per_card_hour": prices}, ["heavy.payback_months"])[
        "heavy.payback_months"]
    finite = paybacks[np.isfinite(paybacks) & (paybacks > 0)]
    if finite.size < 2:
        return
    target = float(np.quantile(finite, q))
    res = sensitivity.solve(s, "heavy.price_cny_per_card_hour", "payback_months", target, lo=1, hi=200)
    achieved = result(s, {"heavy.price_cny_per_card_hour": res.value}, "heavy.payback_months")
    if res.converged:
        assert achieved == pytest.approx(target, abs=1e-6 * max(1, target))
    else:  # only where payback jumps (it can, when cumulative cash re-dips): the message says so
        assert "jumps" in res.message


def test_default_tornado_leaves_out_structural_inputs(seed):
    from finmodel.analysis import sensitivity

    s = seed
    fields = set(sensitivity.tornado(s)["field"])
    assert "heavy.price_cny_per_card_hour" in fields and "heavy.occupancy" in fields
    assert not fields & {"heavy.cards_per_server", "heavy.servers", "general.hours_per_year"}
    explicit = sensitivity.tornado(s, ["heavy.cards_per_server"])
    assert set(explicit["field"]) == {"heavy.cards_per_server"}
