"""Issue 12, China's VAT (增值税) and surtaxes: the 23.0万 input VAT of a 200万 含税 server absorbed by
6 % output VAT on 7万 a month in 58 months, or by 13 % in 29 (deals.md R8, §7); the identities; the P&L
VAT-exclusive; statements balancing with every revenue-side switch on (random scenarios)."""

from __future__ import annotations

import numpy as np
import pytest

from finmodel import model, schema

from .conftest import random_scenario
from .test_contracts import HOURS_PER_MONTH, payback, scenario, tianfeng_flows
from .test_statements import assert_statements_hold, rows

VAT_ON = {"mode": "on", "prices_include_vat": "inclusive", "costs_include_vat": "inclusive",
          "input_rate_electricity": 0.0}  # "no other input VAT" (the test 2)


@pytest.mark.parametrize(("rate", "months"), [(0.06, 58), (0.13, 29)])
def test_server_input_vat_is_absorbed_by_output_vat(rate, months):
    r = model.evaluate(scenario(vat={**VAT_ON, "output_rate": rate}))
    h = rows(r.heavy_monthly)
    input_vat = 2_000_000 - 2_000_000 / 1.13  # 含税 price less its net
    assert round(input_vat / 1e4, 1) == 23.0  # 23.0万 (deals.md R8)
    output = 70_000 / (1 + rate) * rate  # per month, on a 含税 rent
    assert round(input_vat / output) == months  # 58.07 and 28.57 months of output VAT
    assert h["input_vat_cny"][0] == pytest.approx(input_vat, rel=1e-12)
    assert h["output_vat_cny"][1] == pytest.approx(output, rel=1e-12)
    whole = int(input_vat // output)  # the credit lasts whole months, the first VAT is paid the month after
    assert h["vat_credit_carried_cny"][whole] == pytest.approx(input_vat - whole * output, rel=1e-9)
    assert h["vat_paid_cny"][: whole + 1].max() == 0
    assert h["vat_paid_cny"][whole + 1] == pytest.approx((whole + 1) * output - input_vat, rel=1e-9)
    assert h["vat_paid_cny"][whole + 2] == pytest.approx(output, rel=1e-12)
    assert r.heavy["vat_credit_left_cny"] == 0
    # surtaxes: 12 % of the VAT paid, a cost in the P&L
    assert r.heavy["total_surtax_cny"] == pytest.approx(0.12 * r.heavy["total_vat_paid_cny"], rel=1e-12)
    # the P&L is VAT-exclusive: revenue at 7万 ÷ (1 + rate), depreciation on the net server price
    assert h["revenue_cny"][1] == pytest.approx(70_000 / (1 + rate), rel=1e-12)
    assert h["depreciation_cny"][1] == pytest.approx(2_000_000 / 1.13 / 60, rel=1e-12)


def test_vat_identities_and_timing_in_cash():
    """VAT paid + credit left = output − input; the equity flow is the net-of-VAT flow plus the VAT cash
    (output collected − input paid − VAT paid) month by month, computed here by a plain loop."""
    s = scenario(vat={"mode": "on", "output_rate": 0.06}, general={"horizon_months": 36},
                 contract={"term_months": 36})
    r = model.evaluate(s)
    h = rows(r.heavy_monthly)
    k = r.heavy
    # the "VAT paid + credit left = output − input", the credit written as the balance it is for the
    # tax office (negative: owed to the company), so with the credit as the positive asset: paid − credit
    assert k["total_vat_paid_cny"] - k["vat_credit_left_cny"] == pytest.approx(
        k["total_output_vat_cny"] - k["total_input_vat_cny"], rel=1e-12)
    assert k["vat_credit_left_cny"] > 0  # 36 months do not absorb the server's input VAT
    energy_gross = 10.2 * 1.25 * 0.5 * HOURS_PER_MONTH
    credit, paid_total, flows = 0.0, 0.0, []
    for t in range(37):
        out = 70_000 / 1.06 * 0.06 if t else 0.0
        inp = (2e6 / 1.13 * 0.13 if t == 0 else 0.0) + (energy_gross / 1.13 * 0.13 if t else 0.0)
        credit += inp - out
        paid = max(-credit, 0.0)
        credit = max(credit, 0.0)
        paid_total += paid
        flows.append(out - inp - paid)
    assert h["vat_cash_cny"] == pytest.approx(np.array(flows), rel=1e-9, abs=1e-6)
    assert k["total_vat_paid_cny"] == pytest.approx(paid_total, rel=1e-9)
    assert k["vat_credit_left_cny"] == pytest.approx(credit, rel=1e-9)
    assert h["vat_credit_refunded_cny"][36] == pytest.approx(credit, rel=1e-9)  # a settlement item
    assert_statements_hold(r, s.name)


def test_vat_off_is_the_plain_model():
    """With VAT off (the default) the 天风 case is exactly the no-VAT flows."""
    r = model.evaluate(scenario())
    assert r.heavy["payback_months"] == pytest.approx(payback(tianfeng_flows()), rel=1e-12)
    assert r.heavy["total_vat_paid_cny"] == 0 and r.heavy["total_surtax_cny"] == 0


#: Every revenue-side switch on, drawn over wide ranges on top of a random scenario.
def deal_scenario(seed: int) -> schema.Scenario:
    rng = np.random.default_rng(seed)
    base = random_scenario(rng)
    data = base.to_dict()
    horizon, lead = base.general.horizon_months, base.heavy.lead_time_months
    start = int(rng.integers(1, max(2, (horizon - lead) // 2)))
    data["contract"] = {"share": float(rng.uniform(0.1, 1)), "price_cny": float(rng.uniform(2e4, 2e5)),
                        "price_unit": str(rng.choice(["server_month", "card_hour", "p_year"])),
                        "start_month": start, "term_months": int(rng.integers(1, horizon - lead - start + 2)),
                        "after_term": str(rng.choice(["renew", "on_demand"])),
                        "renewal_price_factor": float(rng.uniform(0.4, 1.2)),
                        "prepaid_share": float(rng.uniform(0, 0.3)), "deposit_cny": float(rng.uniform(0, 5e5))}
    if data["contract"]["price_unit"] == "card_hour":
        data["contract"]["price_cny"] /= 5000
    data["market"] = {"price_index": [float(x) for x in rng.uniform(0.5, 1.3, int(rng.integers(1, 8)))]}
    data["service"] = {"availability": float(rng.uniform(0.9, 1)), "sla_credit_share": float(rng.uniform(0, 0.05))}
    data["working_capital"] = {"receivable_days": float(rng.choice([0, 30, 45, 60, 90])),
                               "payable_days": float(rng.choice([0, 15, 30, 60]))}
    data["vat"] = {"mode": "on", "output_rate": float(rng.choice([0.06, 0.13])),
                   "prices_include_vat": str(rng.choice(["inclusive", "exclusive"])),
                   "costs_include_vat": str(rng.choice(["inclusive", "exclusive"]))}
    data["name"] = f"deal-{seed}"
    return schema.validate(data, strict=False)


@pytest.mark.parametrize("seed", range(25))
def test_statements_and_identities_hold_with_every_switch_on(seed):
    s = deal_scenario(seed)
    r = model.evaluate(s)
    assert_statements_hold(r, s.name)
    h, k = rows(r.heavy_monthly), r.heavy
    assert np.array_equal(h["contracted_revenue_cny"] + h["on_demand_revenue_cny"], h["revenue_cny"])
    assert k["total_vat_paid_cny"] - k["vat_credit_left_cny"] == pytest.approx(
        k["total_output_vat_cny"] - k["total_input_vat_cny"], rel=1e-9, abs=1e-6)
    # cash receipts = revenue + Δ deferred revenue − Δ receivables (the balances' own rows)
    d_deferred = np.diff(h["deferred_revenue_cny"], prepend=0.0)
    d_receivables = np.diff(h["receivables_cny"], prepend=0.0)
    assert h["cash_receipts_cny"] == pytest.approx(h["revenue_cny"] + d_deferred - d_receivables, rel=1e-9, abs=1e-6)
    # the balances are empty at the horizon: collected, paid, released, returned, refunded
    for key in ("receivables_cny", "payables_cny", "deferred_revenue_cny", "customer_deposit_cny", "vat_credit_cny"):
        assert abs(h[key][s.general.horizon_months]) <= 1e-6, key
