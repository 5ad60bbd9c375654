"""Issue 12, the revenue side: customer contracts, the price index, availability and SLA, working
capital — golden figures computed independently in each test (plain Python, one month at a time),
identities, and bad input.

The worked case is deals.md §7 / R2: an 8×H100 server at 2.0M CNY rented at 7万 CNY a month for 5
years (天风证券 2025-04-11, via fupanwang.com/kplart_info/39825.html), 5-year straight line,
bottom-up energy at 10.2 kW, PUE 1.25, 0.5 CNY/kWh, O&M 5 % of revenue, 25 % income tax.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from finmodel import model, schema
from finmodel.schema import ScenarioError, inert

from .test_statements import assert_statements_hold, rows

HOURS_PER_MONTH = 8760 / 12  # 730
TIANFENG: dict = {
    "name": "天风 8×H100 at 7万/month",
    "general": {"horizon_months": 60, "discount_rate_per_year": 0.08, "tax_rate": 0.25},
    "heavy": {"gpu": "H100-SXM", "servers": 1, "server_price_cny": 2_000_000.0, "network_cost_cny": 0.0,
              "parts_cost_cny": 0.0, "occupancy": 1.0, "cash_cost_method": "bottom_up", "energy_method": "metered",
              "power_kw_per_server": 10.2, "pue": 1.25, "electricity_cny_per_kwh": 0.5, "om_share_of_revenue": 0.05,
              "depreciation_life_years": 5},
    "light": {},
    "contract": {"share": 1.0, "price_cny": 70_000.0, "price_unit": "server_month", "term_months": 60},
}


def scenario(**sections: dict) -> schema.Scenario:
    data = {k: dict(v) if isinstance(v, dict) else v for k, v in TIANFENG.items()}
    for name, changes in sections.items():
        data.setdefault(name, {}).update(changes)
    return schema.validate(data)


def payback(flows: list[float]) -> float:
    """The last month the cumulative flow turns non-negative, interpolated (docs/model.md)."""
    cum, out = 0.0, math.nan
    for t, f in enumerate(flows):
        before, cum = cum, cum + f
        if before < 0 <= cum:
            out = (t - 1) + (-before) / f
    return out


def tianfeng_flows(capex: float = 2e6, rent: float = 70_000.0) -> list[float]:
    """The equity cash flow of the worked case, month by month (no VAT, no working capital)."""
    energy = 10.2 * 1.25 * 0.5 * HOURS_PER_MONTH
    flows = [-capex]
    for _ in range(60):
        ebitda = rent - energy - 0.05 * rent
        tax = 0.25 * (ebitda - capex / 60)  # profitable every month: no losses to carry
        flows.append(ebitda - tax)
    return flows


# ---- (1) the 天风 case: payback ≈ 36.6 months -----------------------------------------------------
def test_tianfeng_contract_pays_back_in_36_6_months():
    r = model.evaluate(scenario())
    expected = payback(tianfeng_flows())
    assert expected == pytest.approx(36.55, abs=0.01)  # deals.md §7: 36.6 months, a broker's "about 3 years"
    assert r.heavy["payback_months"] == pytest.approx(expected, rel=1e-12)
    assert round(r.heavy["payback_months"], 1) == 36.6
    assert r.heavy["contracted_revenue_share"] == 1.0
    assert r.heavy["total_revenue_cny"] == pytest.approx(60 * 70_000, rel=1e-12)


def test_the_three_price_units_agree():
    """7万元/台/月 = 70,000 ÷ (8 × 730) per card-hour = 70,000 × 12 ÷ 7.912 per P-year (H100 FP16 dense
    989 TFLOPS × 8 ÷ 1000, deals.md R2)."""
    base = model.evaluate(scenario()).heavy["payback_months"]
    per_card_hour = 70_000 / (8 * HOURS_PER_MONTH)
    p_per_server = 8 * 989 / 1000
    for unit, price in (("card_hour", per_card_hour), ("p_year", 70_000 * 12 / p_per_server)):
        got = model.evaluate(scenario(contract={"price_unit": unit, "price_cny": price})).heavy["payback_months"]
        assert got == pytest.approx(base, rel=1e-9), unit


def test_contracted_part_is_take_or_pay_and_the_rest_on_demand():
    """60 % contracted at 7万 for 24 months from service month 4, the rest on demand at 12 CNY/card-hour
    and 50 % occupancy; after the term the share goes back to on demand (or renews at 0.8 × market)."""
    on_demand = {"price_cny_per_card_hour": 12.0, "occupancy": 0.5}
    for after, factor in (("on_demand", 1.0), ("renew", 0.8)):
        s = scenario(heavy=on_demand, contract={"share": 0.6, "start_month": 4, "term_months": 24,
                                                "after_term": after, "renewal_price_factor": factor})
        h = rows(model.evaluate(s).heavy_monthly)
        market = 8 * 12.0 * HOURS_PER_MONTH  # one server's on-demand revenue at full occupancy
        for t in range(1, 61):
            in_term = 4 <= t <= 27
            renewed = after == "renew" and t > 27
            contracted = 0.6 * 70_000 * in_term + 0.6 * factor * market * renewed
            share = 0.6 if (in_term or renewed) else 0.0
            assert h["contracted_revenue_cny"][t] == pytest.approx(contracted, rel=1e-12, abs=1e-9), (after, t)
            assert h["on_demand_revenue_cny"][t] == pytest.approx((1 - share) * 0.5 * market, rel=1e-12), (after, t)
        # contracted + on-demand = revenue, every month
        assert np.array_equal(h["contracted_revenue_cny"] + h["on_demand_revenue_cny"], h["revenue_cny"])
        # backlog: the contract value still to earn after each month
        assert h["backlog_cny"][0] == pytest.approx(24 * 0.6 * 70_000, rel=1e-12)
        assert h["backlog_cny"][15] == pytest.approx((27 - 15) * 0.6 * 70_000, rel=1e-12)
        assert h["backlog_cny"][27:].max() == pytest.approx(0, abs=1e-6)


def test_prepayment_is_deferred_revenue_and_the_deposit_is_returned():
    """20 % of the 420万 contract value at signing, released with the revenue; a 20万 deposit held for
    the 60 months: revenue (the P&L) is unchanged, the cash comes earlier, payback shortens."""
    s = scenario(contract={"prepaid_share": 0.2, "deposit_cny": 200_000.0})
    r = model.evaluate(s)
    h = rows(r.heavy_monthly)
    value = 60 * 70_000
    assert r.heavy["backlog_at_start_cny"] == pytest.approx(value, rel=1e-12)
    assert h["prepayment_received_cny"][0] == pytest.approx(0.2 * value, rel=1e-12)
    assert h["contract_liabilities_cny"][30] == pytest.approx(0.2 * value * (60 - 30) / 60, rel=1e-12)
    assert h["deposits_received_cny"][59] == pytest.approx(200_000, rel=1e-12)
    assert abs(h["deposits_received_cny"][60]) <= 1e-6  # returned in the contract's last month
    # independent flows: prepayment and deposit at month 0, 80 % billed monthly, deposit back at month 60
    flows = tianfeng_flows()
    flows[0] += 0.2 * value + 200_000
    for t in range(1, 61):
        flows[t] -= 0.2 * 70_000
    flows[60] -= 200_000
    assert r.heavy["payback_months"] == pytest.approx(payback(flows), rel=1e-12)
    assert r.heavy["total_revenue_cny"] == pytest.approx(value, rel=1e-12)
    assert_statements_hold(r, s.name)


# ---- (5) receivable days ---------------------------------------------------------------------------
def test_sixty_receivable_days_move_revenue_cash_two_months_and_settle_at_the_horizon():
    s = scenario(working_capital={"receivable_days": 60})
    r = model.evaluate(s)
    h = rows(r.heavy_monthly)
    flows = tianfeng_flows()
    for t in range(1, 61):  # revenue cash of month t arrives in month t + 2
        flows[t] -= 70_000 * (t <= 60) - 70_000 * (t >= 3)
    assert h["cash_receipts_cny"][1:3].max() == 0
    assert h["cash_receipts_cny"][3:60] == pytest.approx(np.full(57, 70_000), rel=1e-12)
    # the receivables of months 59 and 60 are collected at the horizon, as a settlement item
    assert h["receivables_settled_cny"][60] == pytest.approx(2 * 70_000, rel=1e-12)
    assert h["working_capital_settlement_cny"].sum() == pytest.approx(2 * 70_000, rel=1e-12)
    assert r.heavy["payback_months"] == pytest.approx(payback(flows), rel=1e-12)
    assert r.heavy["peak_working_capital_cny"] == pytest.approx(2 * 70_000, rel=1e-12)
    # NPV sees the settlement: the same flows with the horizon's collection added
    flows[60] += 2 * 70_000
    npv = sum(f / 1.08 ** (t / 12) for t, f in enumerate(flows))
    assert r.heavy["npv_cny"] == pytest.approx(npv, rel=1e-9)
    assert_statements_hold(r, s.name)


def test_fractional_receivable_days_split_a_month():
    """45 days = 1.5 months: half of a month's bill arrives one month later, half two months later."""
    h = rows(model.evaluate(scenario(working_capital={"receivable_days": 45})).heavy_monthly)
    assert h["cash_receipts_cny"][2] == pytest.approx(35_000, rel=1e-12)
    assert h["cash_receipts_cny"][3] == pytest.approx(70_000, rel=1e-12)
    assert h["receivables_settled_cny"][60] == pytest.approx(1.5 * 70_000, rel=1e-12)


def test_payable_days_delay_the_operating_costs():
    s = scenario(working_capital={"payable_days": 30})
    h = rows(model.evaluate(s).heavy_monthly)
    energy = 10.2 * 1.25 * 0.5 * HOURS_PER_MONTH
    cost = energy + 0.05 * 70_000
    assert h["payables_paid_cny"][1] == 0
    assert h["payables_paid_cny"][2] == pytest.approx(cost, rel=1e-12)
    assert h["payables_settled_cny"][60] == pytest.approx(cost, rel=1e-12)
    assert h["accounts_payable_cny"][30] == pytest.approx(cost, rel=1e-12)


# ---- the market price index --------------------------------------------------------------------------
def test_price_index_replaces_the_yearly_change_and_its_last_factor_repeats():
    s = scenario(heavy={"price_change_per_year": -0.3, "price_cny_per_card_hour": 12.0},
                 contract={"share": 0.0}, market={"price_index": [1.0, 0.72, 0.85]})
    h = rows(model.evaluate(s).heavy_monthly)
    for t, factor in ((1, 1.0), (12, 1.0), (13, 0.72), (25, 0.85), (37, 0.85), (60, 0.85)):
        assert h["price_cny_per_card_hour"][t] == pytest.approx(12.0 * factor, rel=1e-15), t
    assert inert.notes(s) == ["market.price_index has 3 factors for 5 service years: the last factor (0.85) "
                              "repeats in service years 4-5"]
    full = scenario(market={"price_index": [1.0, 0.72, 0.85, 1.05, 1.0]})
    assert inert.notes(full) == []
    # the constant yearly change written beside an index has no effect: a warning says so
    assert {f.path: f.text() for f in inert.warnings(s)}["heavy.price_change_per_year"] == (
        "heavy.price_change_per_year has no effect while market.price_index is given (the price index replaces it)")


# ---- availability and SLA ----------------------------------------------------------------------------
def test_availability_and_sla_credits_cut_billable_revenue():
    s = scenario(service={"availability": 0.95, "sla_credit_share": 0.02},
                 heavy={"price_cny_per_card_hour": 12.0, "occupancy": 0.5}, contract={"share": 0.5})
    h = rows(model.evaluate(s).heavy_monthly)
    market = 8 * 12.0 * HOURS_PER_MONTH
    assert h["contracted_revenue_cny"][5] == pytest.approx(0.5 * 70_000 * 0.95 * 0.98, rel=1e-12)
    assert h["on_demand_revenue_cny"][5] == pytest.approx(0.5 * 0.5 * market * 0.95, rel=1e-12)


# ---- bad input -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("section", "changes", "field", "words"), [
    ("contract", {"term_months": 61}, "contract.term_months", "allowed: an integer, 1 ≤ value ≤ 60 [months]"),
    ("contract", {"start_month": 13, "term_months": 60}, "contract.term_months", "1 ≤ value ≤ 48 [months]"),
    ("contract", {"share": 1.2}, "contract.share", "allowed: a number, 0 ≤ value ≤ 1 [fraction of capacity]"),
    ("market", {"price_index": [1.0, -0.1]}, "market.price_index",
     "factor 2 is -0.1; allowed: a list of at most 30 numbers, each 0 ≤ value ≤ 10 [× first-year price]"),
])
def test_bad_input_is_one_error_naming_field_value_and_range(section, changes, field, words):
    with pytest.raises(ScenarioError) as err:
        scenario(**{section: changes})
    lines = str(err.value).splitlines()
    assert len(lines) == 1, lines
    assert field in lines[0] and words in lines[0], lines[0]
    value = changes[field.split(".")[1]]
    assert f"= {value}" in lines[0] or f"= {value!r}" in lines[0]


def test_a_contract_off_never_checks_its_term():
    s = scenario(contract={"share": 0.0, "term_months": 360})
    assert s.contract.term_months == 360
    assert [f.path for f in inert.warnings(s)] == ["contract.price_cny", "contract.price_unit", "contract.term_months"]


def test_a_batch_of_different_receivable_days_lags_each_scenario_by_its_own_days():
    """One lag for the whole batch is a shift; different lags per scenario take another path (a
    gather): both give every scenario the cash receipts it has on its own."""
    base = scenario(working_capital={"receivable_days": 60})
    days = np.array([0.0, 30.0, 45.0, 60.0, 90.0])
    params, horizon = model.batch_params(base, {"working_capital.receivable_days": days})
    batch = model.evaluate_batch(params, horizon, rows=True).heavy["cash_receipts_cny"]
    batch = np.broadcast_to(batch, (days.size, batch.shape[-1]))
    for i, d in enumerate(days):
        alone = rows(model.evaluate(base.replace({"working_capital.receivable_days": float(d)})).heavy_monthly)
        np.testing.assert_array_equal(batch[i], alone["cash_receipts_cny"])
