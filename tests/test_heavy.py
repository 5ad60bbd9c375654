"""Heavy-asset engine: the vectorised model against its scalar twin, identities and invariants."""

from __future__ import annotations

import functools
import math

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel import model, schema
from finmodel.model.expr import irr, npv

from . import twin
from .conftest import random_scenario, same

CHECKED = ["capex_cny", "annual_revenue_cny", "annual_cash_cost_cny", "annual_depreciation_cny",
           "total_depreciation_cny", "payback_months", "discounted_payback_months", "npv_cny", "irr",
           "project_payback_months", "project_discounted_payback_months", "project_npv_cny", "project_irr",
           "peak_funding_cny", "peak_funding_month", "roi", "moic", "gross_margin"]
IRRS = ("irr", "project_irr")


_same = functools.partial(same, rel=1e-9, abs_=1e-6)


@pytest.mark.parametrize("i", range(60))
def test_engine_matches_scalar_twin(i):
    s = random_scenario(np.random.default_rng(1000 + i))
    got = model.evaluate(s).heavy
    want = twin.heavy(s)
    for key in CHECKED:
        if key in IRRS:
            # numpy-financial picks the root nearest zero; compare where it finds a proper one
            # (it reports a degenerate -100 %/month root for flows that never turn positive;
            # the engine says "none" there, which is checked separately below)
            if not math.isnan(want[key]) and want[key] > -0.9999:
                assert _same(got[key], want[key], rel=1e-7), (key, got[key], want[key])
            continue
        assert _same(got[key], want[key]), (key, got[key], want[key])


def test_presets_match_scalar_twin(plain_presets):
    """The twin is the model before issue 12's deal sections: the presets that leave them at defaults."""
    for s in plain_presets:
        got, want = model.evaluate(s).heavy, twin.heavy(s)
        for key in CHECKED:
            assert _same(got[key], want[key], rel=1e-7), (s.name, key, got[key], want[key])
        assert _same(model.evaluate(s).heavy_monthly["terminal_value_cny"].sum(), want["terminal_value_cny"])


def test_no_irr_when_flows_never_turn_positive(seed):
    r = model.evaluate(seed.replace({"heavy.price_cny_per_card_hour": 0.5}))
    assert (r.heavy_monthly["equity_cash_flow_with_terminal_cny"] <= 0).all()
    assert math.isnan(r.heavy["irr"])


def test_npv_at_irr_is_zero():
    checked = 0
    for i in range(40):
        s = random_scenario(np.random.default_rng(2000 + i))
        r = model.evaluate(s)
        if math.isnan(r.heavy["irr"]):
            continue
        checked += 1
        monthly = (1 + r.heavy["irr"]) ** (1 / 12) - 1
        cf = r.heavy_monthly["equity_cash_flow_with_terminal_cny"].to_numpy()
        scale = np.abs(cf * (1 + monthly) ** -np.arange(cf.size)).sum()  # size of the discounted terms
        assert abs(float(npv(monthly, cf[None, :])[0, 0])) <= 1e-9 * scale, i
    assert checked >= 20


@pytest.mark.parametrize("method", ["straight_line", "declining_balance"])
@pytest.mark.parametrize("lead", [0, 4])
def test_depreciation_sums_to_capex_minus_salvage(seed, method, lead):
    s = seed.replace({"heavy.depreciation_method": method, "heavy.salvage_fraction": 0.1,
                      "heavy.lead_time_months": lead, "general.horizon_months": 60 + lead,
                      "heavy.depreciation_life_years": 5})
    r = model.evaluate(s)
    capex = r.heavy["capex_cny"]
    assert r.heavy_monthly["depreciation_cny"].sum() == pytest.approx(capex * 0.9, rel=1e-12)
    assert r.heavy_monthly["book_value_cny"].iloc[-1] == pytest.approx(capex * 0.1, rel=1e-12)
    # nothing is depreciated before service starts
    assert (r.heavy_monthly["depreciation_cny"].iloc[: lead + 1] == 0).all()


def test_declining_balance_front_loads(seed):
    sl = model.evaluate(seed).heavy_monthly["depreciation_cny"]
    db_case = seed.replace({"heavy.depreciation_method": "declining_balance"})
    db = model.evaluate(db_case).heavy_monthly["depreciation_cny"]
    assert db.iloc[1] > sl.iloc[1]
    assert db.iloc[1] == pytest.approx(1.8e6 * 2 / 60, rel=1e-12)  # rate = factor / life months


prices = st.floats(1, 80, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(seed_int=st.integers(0, 10_000), p=prices, bump=st.floats(1.0, 3.0))
def test_higher_price_never_lengthens_payback(seed_int, p, bump):
    s = random_scenario(np.random.default_rng(seed_int)).replace({"heavy.price_cny_per_card_hour": p})
    hi = s.replace({"heavy.price_cny_per_card_hour": min(p * bump, 10_000)})
    a, b = model.evaluate(s).heavy, model.evaluate(hi).heavy
    if not math.isnan(a["payback_months"]):
        assert not math.isnan(b["payback_months"])
        assert b["payback_months"] <= a["payback_months"] + 1e-9
    assert b["npv_cny"] >= a["npv_cny"] - 1e-6 * max(1.0, abs(a["npv_cny"]))


@settings(max_examples=40, deadline=None)
@given(seed_int=st.integers(0, 10_000), occ=st.floats(0.05, 0.95), step=st.floats(0.0, 0.05))
def test_higher_occupancy_never_lengthens_payback_in_ratio_mode(seed_int, occ, step):
    # with the ratio method, cash cost does not depend on occupancy, so revenue only rises
    s = random_scenario(np.random.default_rng(seed_int)).replace(
        {"heavy.cash_cost_method": "ratio", "heavy.occupancy": occ, "heavy.ramp_months": 0})
    a = model.evaluate(s).heavy["payback_months"]
    b = model.evaluate(s.replace({"heavy.occupancy": min(occ + step, 1.0)})).heavy["payback_months"]
    if not math.isnan(a):
        assert b <= a + 1e-9


def test_npv_and_irr_agree_with_numpy_financial_on_random_flows():
    rng = np.random.default_rng(7)
    n, T = 400, 61
    cf = rng.normal(1e5, 8e4, size=(n, T))
    cf[:, 0] = -rng.uniform(1e6, 5e6, size=n)
    rate = rng.uniform(0, 0.02, size=(n, 1))
    got_npv = npv(rate, cf)[:, 0]
    got_irr = irr(cf)[:, 0]
    checked = 0
    for i in range(n):
        assert got_npv[i] == pytest.approx(npf.npv(rate[i, 0], cf[i]), rel=1e-12, abs=1e-6)
        want = npf.irr(cf[i])
        if np.isnan(want):
            continue
        checked += 1
        assert got_irr[i] == pytest.approx(want, abs=1e-9)
    assert checked > n // 2


def test_one_scenario_and_a_batch_of_10000_are_identical():
    rng = np.random.default_rng(11)
    base = random_scenario(rng, horizon=60)
    n = 10_000
    overrides = {
        "heavy.price_cny_per_card_hour": rng.uniform(5, 40, n),
        "heavy.occupancy": rng.uniform(0.3, 1.0, n),
        "heavy.server_price_cny": rng.uniform(8e5, 2.5e6, n),
        "general.discount_rate_per_year": rng.uniform(0, 0.15, n),
    }
    params, horizon = model.batch_params(base, overrides)
    batch = model.evaluate_batch(params, horizon)
    for i in rng.choice(n, size=25, replace=False):
        one = model.evaluate(base.replace({k: float(v[i]) for k, v in overrides.items()}))
        for key in ("payback_months", "discounted_payback_months", "npv_cny", "irr", "gross_margin"):
            a, b = batch.heavy[key][i], one.heavy[key]
            assert (math.isnan(a) and math.isnan(b)) or a == b, (key, i, a, b)
        for key in ("spread_cny_per_p_year", "breakeven_occupancy", "npv_cny"):
            a, b = batch.light[key][i], one.light[key]
            assert (math.isnan(a) and math.isnan(b)) or a == b, (key, i, a, b)


def test_batch_params_rejects_out_of_range_arrays(seed):
    msg = r"heavy\.occupancy = 1\.5: out of range; allowed: .*0 ≤ value ≤ 1"
    with pytest.raises(schema.ScenarioError, match=msg):
        model.batch_params(seed, {"heavy.occupancy": np.array([0.5, 1.5])})
    with pytest.raises(schema.UnknownFieldError, match="did you mean heavy.occupancy"):
        model.batch_params(seed, {"heavy.ocupancy": [0.5]})


def test_never_pays_back_is_nan_and_cumulative_negative(seed):
    r = model.evaluate(seed.replace({"heavy.price_cny_per_card_hour": 2.0}))
    assert math.isnan(r.heavy["payback_months"])
    assert r.heavy_monthly["cumulative_cash_flow_cny"].iloc[-1] < 0


def test_lead_time_delays_revenue_and_payback(seed):
    base = model.evaluate(seed).heavy["payback_months"]
    r = model.evaluate(seed.replace({"heavy.lead_time_months": 3}))
    assert (r.heavy_monthly["revenue_cny"].iloc[:4] == 0).all()
    assert r.heavy_monthly["revenue_cny"].iloc[4] > 0
    assert r.heavy["payback_months"] == pytest.approx(base + 3, rel=1e-12)  # level flows shift by 3 months


def test_loan_schedule_repays_principal(seed):
    s = seed.replace({"heavy.loan_share_of_capex": 0.5, "heavy.loan_rate_per_year": 0.06, "heavy.loan_term_months": 36})
    m = model.evaluate(s).heavy_monthly
    assert m["debt_flow_cny"].iloc[0] == pytest.approx(900_000, rel=1e-12)
    assert m["debt_flow_cny"].iloc[1:].sum() == pytest.approx(-900_000, rel=1e-9)
    payment = -(m["debt_flow_cny"].iloc[1] - m["interest_cny"].iloc[1])
    assert payment == pytest.approx(-npf.pmt(0.06 / 12, 36, 900_000), rel=1e-9)
    assert m["loan_balance_cny"].iloc[36] == pytest.approx(0, abs=1e-6)


def test_tax_with_loss_carry_forward(seed):
    s = seed.replace({"general.tax_rate": 0.25, "heavy.lead_time_months": 6, "heavy.cash_cost_method": "bottom_up",
                      "heavy.staff_cny_per_month": 50_000})
    m = model.evaluate(s).heavy_monthly
    # total tax = 25 % of the positive cumulative pre-tax profit at the end (no carry-back, all losses used)
    assert m["tax_cny"].sum() == pytest.approx(0.25 * max(m["ebt_cny"].sum(), 0), rel=1e-12)
    assert (m["tax_cny"].iloc[:7] == 0).all()  # loss-making start pays no tax
    assert (m["tax_cny"] >= -1e-9).all()
