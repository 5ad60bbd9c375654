"""Issue 11, heavy asset: each definition of docs/model.md pinned by a figure computed here, by hand.

The expected numbers are plain-Python loops and arithmetic written out in each test (a loan
schedule, a running sum, the CAS depreciation tables), never the engine's own functions. The base
case is the seed (002:1504-1526): one 8×A100 server, 180万 capex, 22.5 元/card-hour, ratio method
(cash cost 24万 a year, 002:1516), 5-year straight line, no tax.
"""

from __future__ import annotations

import math

import numpy_financial as npf
import pytest

from finmodel import model

CAPEX = 1_800_000.0  # 002:1508
HOURS_PER_MONTH = 8760 / 12  # 002:1522
CASH_COST_PER_MONTH = 360_000 / 0.6 * 0.4 / 12  # 24万 a year (002:1516)
DEPRECIATION_PER_MONTH = CAPEX / 60  # 3万 a month (002:1451)


def annuity(principal: float, rate_per_year: float, months: int) -> float:
    r = rate_per_year / 12
    return principal * r / (1 - (1 + r) ** -months)


def balance_after(principal: float, rate_per_year: float, months: int, paid: int) -> float:
    """The loan balance after ``paid`` level payments, month by month."""
    r, pay, b = rate_per_year / 12, annuity(principal, rate_per_year, months), principal
    for _ in range(paid):
        b -= pay - b * r
    return b


def first_nonnegative_crossing(flows: list[float]) -> float:
    """Months until the running sum of ``flows`` last turns from negative to ≥ 0 (linear inside the month)."""
    cum, crossing = 0.0, math.nan
    for t, f in enumerate(flows):
        before, cum = cum, cum + f
        if t > 0 and before < 0 <= cum:
            crossing = (t - 1) + (-before) / f
    return crossing


# --------------------------------------------------------------------------- payback and settlements
BALLOON = {"heavy.price_cny_per_card_hour": 10.5, "heavy.loan_share_of_capex": 0.7, "heavy.loan_rate_per_year": 0.045,
           "heavy.loan_term_months": 120, "general.horizon_months": 36}


def test_balloon_at_the_horizon_is_not_in_payback(seed):
    """A 10-year loan on a 3-year horizon: the balance left (a balloon) is repaid in month 36. It is
    a settlement item like the terminal value: out of payback, in NPV."""
    r = model.evaluate(seed.replace(BALLOON))
    loan = 0.7 * CAPEX
    pay = annuity(loan, 0.045, 120)
    ebitda = 10.5 * 8 * HOURS_PER_MONTH - CASH_COST_PER_MONTH  # level every month
    flows = [-(CAPEX - loan)] + [ebitda - pay] * 36  # the operating equity cash flow
    payback = first_nonnegative_crossing(flows)
    assert payback == pytest.approx(0.3 * CAPEX / (ebitda - pay), rel=1e-12)  # level flows: equity ÷ monthly flow
    assert 18 < payback < 20  # ≈ 19.1 months
    assert r.heavy["payback_months"] == pytest.approx(payback, rel=1e-12)

    balloon = balance_after(loan, 0.045, 120, 36)
    assert sum(flows) - balloon < 0  # counted in payback, the balloon would make it "never"
    book = CAPEX * (1 - 36 / 60)  # the terminal value: book value × 1
    npv = sum(f / 1.08 ** (t / 12) for t, f in enumerate(flows)) + (book - balloon) / 1.08 ** 3
    assert npv > 0
    assert r.heavy["npv_cny"] == pytest.approx(npv, rel=1e-9)
    assert r.heavy_monthly["settlement_cny"].iloc[36] == pytest.approx(-balloon, rel=1e-9)


def test_equity_and_project_payback_on_a_loan_case(seed):
    """With level flows the project (unlevered) payback is the README's capex ÷ (annual revenue −
    annual cash cost) × 12; the equity payback divides the equity by the flow after debt service."""
    r = model.evaluate(seed.replace({**BALLOON, "general.horizon_months": 60})).heavy
    revenue_year = 10.5 * 8 * 8760
    assert r["project_payback_months"] == pytest.approx(CAPEX / (revenue_year - 240_000) * 12, rel=1e-12)
    pay = annuity(0.7 * CAPEX, 0.045, 120)
    assert r["payback_months"] == pytest.approx(0.3 * CAPEX / (revenue_year / 12 - CASH_COST_PER_MONTH - pay),
                                                rel=1e-12)
    assert r["payback_months"] < r["project_payback_months"]  # leverage shortens the equity payback here
    discounted = first_nonnegative_crossing([-CAPEX] + [(revenue_year / 12 - CASH_COST_PER_MONTH) / 1.08 ** (t / 12)
                                                         for t in range(1, 61)])
    assert r["project_discounted_payback_months"] == pytest.approx(discounted, rel=1e-12)


def test_seed_project_payback_is_the_seeds_16_2_months(seed):
    r = model.evaluate(seed).heavy  # no loan, no tax: equity = project
    assert r["project_payback_months"] == r["payback_months"] == pytest.approx(180 / (157.68 - 24) * 12, rel=1e-12)


# --------------------------------------------------------------------------- peak funding, MOIC, ROI
PEAK = {"heavy.loan_share_of_capex": 0.6, "heavy.loan_rate_per_year": 0.06, "heavy.loan_term_months": 24,
        "heavy.occupancy_start": 0.1, "heavy.ramp_months": 12}


def test_peak_funding_on_a_60_percent_loan_whose_service_exceeds_ebitda(seed):
    r = model.evaluate(seed.replace(PEAK)).heavy
    loan = 0.6 * CAPEX
    pay = annuity(loan, 0.06, 24)
    flows, cum, low, low_month = [-(CAPEX - loan)], -(CAPEX - loan), -(CAPEX - loan), 0
    for t in range(1, 61):
        occupancy = 0.1 + 0.9 * min((t - 1) / 12, 1.0)
        ebitda = 22.5 * 8 * HOURS_PER_MONTH * occupancy - CASH_COST_PER_MONTH
        flows.append(ebitda - (pay if t <= 24 else 0.0))
        cum += flows[-1]
        if cum < low:
            low, low_month = cum, t
    assert flows[1] < 0  # month 1: EBITDA 3.2万 against 4.8万 of debt service
    assert -low > CAPEX - loan  # shareholders put in more than the 72万 of "equity invested"
    assert r["peak_funding_cny"] == pytest.approx(-low, rel=1e-12)
    assert r["peak_funding_month"] == low_month
    assert r["equity_invested_cny"] == pytest.approx(CAPEX - loan, rel=1e-12)
    total = sum(flows)  # no balloon (24-month loan), terminal value 0 (fully depreciated)
    assert r["moic"] == pytest.approx((total - low) / -low, rel=1e-9)
    assert r["roi"] == pytest.approx(total / (CAPEX - loan), rel=1e-9)  # net cash multiple − 1


def test_peak_funding_of_the_seed_is_the_capex_in_month_0(seed):
    r = model.evaluate(seed).heavy
    assert r["peak_funding_cny"] == CAPEX and r["peak_funding_month"] == 0
    assert r["moic"] == pytest.approx((60 * (157.68e4 / 12 - CASH_COST_PER_MONTH)) / CAPEX, rel=1e-12)


def test_moic_is_na_without_funding(seed):
    r = model.evaluate(seed.replace({"heavy.loan_share_of_capex": 1.0, "heavy.loan_rate_per_year": 0.0,
                                     "heavy.loan_term_months": 360, "heavy.price_cny_per_card_hour": 40.0}))
    assert r.heavy["peak_funding_cny"] == 0  # the loan pays for everything and every month is positive
    assert math.isnan(r.heavy["moic"]) and math.isnan(r.heavy["peak_funding_month"])


# --------------------------------------------------------------------------- unlevered project flows
def _taxed(profits: list[float], rate: float) -> list[float]:
    """Tax with unlimited loss carry-forward: rate × increase of the running maximum of cumulative profit."""
    out, cum, top = [], 0.0, 0.0
    for p in profits:
        cum += p
        new = max(top, cum)
        out.append(rate * (new - top))
        top = new
    return out


UNLEVERED = {"general.tax_rate": 0.25, "heavy.loan_share_of_capex": 0.6, "heavy.loan_rate_per_year": 0.06,
             "heavy.loan_term_months": 36, "heavy.lead_time_months": 3, "heavy.cash_cost_method": "bottom_up",
             "heavy.energy_method": "fixed", "heavy.staff_cny_per_month": 50_000.0}


def test_project_irr_with_a_loan_and_25_percent_tax_uses_tax_on_ebit(seed):
    r = model.evaluate(seed.replace(UNLEVERED)).heavy
    revenue = 22.5 * 8 * HOURS_PER_MONTH
    ebitda = [0.0] + [-50_000.0] * 3 + [revenue - 6000 - 0.05 * revenue - 50_000] * 57  # months 0..60
    depreciation = [0.0] * 4 + [DEPRECIATION_PER_MONTH] * 57
    tax_on_ebit = _taxed([e - d for e, d in zip(ebitda, depreciation, strict=True)], 0.25)
    flows = [e - x for e, x in zip(ebitda, tax_on_ebit, strict=True)]
    flows[0] -= CAPEX
    flows[60] += CAPEX * (1 - 57 / 60)  # terminal value = book value (no gain, no disposal tax)
    want = (1 + npf.irr(flows)) ** 12 - 1
    assert r["project_irr"] == pytest.approx(want, rel=1e-9)
    # the levered tax (with the interest shield) would have given another IRR
    m = model.evaluate(seed.replace(UNLEVERED)).heavy_monthly
    levered = list(m["ebitda_cny"] - m["tax_cny"] - m["investment_cny"] + m["terminal_value_cny"])
    assert abs((1 + npf.irr(levered)) ** 12 - 1 - want) > 1e-3


def test_project_discount_rate_defaults_to_the_equity_rate(seed):
    base = model.evaluate(seed).heavy
    flows = [-CAPEX] + [157.68e4 / 12 - CASH_COST_PER_MONTH] * 60
    assert base["project_npv_cny"] == pytest.approx(sum(f / 1.08 ** (t / 12) for t, f in enumerate(flows)), rel=1e-12)
    wacc = model.evaluate(seed.replace({"general.project_discount_rate_per_year": 0.12})).heavy
    assert wacc["project_npv_cny"] == pytest.approx(sum(f / 1.12 ** (t / 12) for t, f in enumerate(flows)), rel=1e-12)
    assert wacc["npv_cny"] == base["npv_cny"]  # the equity NPV keeps the equity rate


# --------------------------------------------------------------------------- depreciation as CAS knows it
def _yearly(monthly: list[float], years: int, lead: int = 0) -> list[float]:
    return [sum(monthly[lead + 1 + 12 * y: lead + 13 + 12 * y]) for y in range(years)]


def _four_years(seed, method: str):
    s = seed.replace({"heavy.depreciation_method": method, "heavy.depreciation_life_years": 4,
                      "heavy.salvage_fraction": 0.1, "general.horizon_months": 48})
    return list(model.evaluate(s).heavy_monthly["depreciation_cny"])


def test_double_declining_balance_50_25_7_5_7_5_percent(seed):
    monthly = _four_years(seed, "double_declining")
    y1 = CAPEX * 2 / 4  # 2/N of the opening value
    y2 = (CAPEX - y1) * 2 / 4
    y3 = y4 = (CAPEX - y1 - y2 - 0.1 * CAPEX) / 2  # the last two years straight line down to the 10 % salvage
    assert [y / CAPEX for y in (y1, y2, y3, y4)] == pytest.approx([0.50, 0.25, 0.075, 0.075], abs=1e-15)
    assert _yearly(monthly, 4) == pytest.approx([y1, y2, y3, y4], rel=1e-12)
    for y, amount in enumerate((y1, y2, y3, y4)):  # every month of a year charges 1/12 of it
        assert monthly[1 + 12 * y: 13 + 12 * y] == pytest.approx([amount / 12] * 12, rel=1e-12)


def test_sum_of_years_digits_40_30_20_10_percent_of_the_base(seed):
    monthly = _four_years(seed, "sum_of_years")
    base, digits = 0.9 * CAPEX, 1 + 2 + 3 + 4
    assert _yearly(monthly, 4) == pytest.approx([base * 4 / digits, base * 3 / digits, base * 2 / digits,
                                                 base * 1 / digits], rel=1e-12)
    assert max(monthly) == pytest.approx(base * 0.4 / 12, rel=1e-12)  # no month above its year's twelfth


@pytest.mark.parametrize("method", ["double_declining", "sum_of_years"])
def test_by_year_methods_follow_service_years_after_a_lead_time(seed, method):
    s = seed.replace({"heavy.depreciation_method": method, "heavy.lead_time_months": 5, "heavy.salvage_fraction": 0.05,
                      "general.horizon_months": 70})
    r = model.evaluate(s)
    monthly = list(r.heavy_monthly["depreciation_cny"])
    assert sum(monthly[:6]) == 0  # nothing before service
    assert sum(monthly) == pytest.approx(0.95 * CAPEX, rel=1e-12)  # written down to salvage at the end of life
    assert r.heavy_monthly["book_value_cny"].iloc[65] == pytest.approx(0.05 * CAPEX, rel=1e-12)
    first = _yearly(monthly, 1, lead=5)[0]
    assert first == pytest.approx(CAPEX * 2 / 5 if method == "double_declining" else 0.95 * CAPEX * 5 / 15, rel=1e-12)


def test_monthly_declining_balance_switches_to_straight_line_without_a_spike(seed):
    """The issue's fleet: 16.08M, 4 years, 10 % salvage, factor 2. The old declining balance wrote the
    book down to salvage in the last month: 9.5万 in month 47, then 56.8万 in month 48. The monthly
    method now charges the larger of factor/L of the book and the straight line over the remaining
    months — a loop here, month by month."""
    fleet = 12 * (990_000 + 200_000 + 150_000)  # 16.08M
    s = seed.replace({"heavy.servers": 12, "heavy.server_price_cny": 990_000.0, "general.horizon_months": 48,
                      "heavy.depreciation_method": "declining_balance_monthly", "heavy.depreciation_life_years": 4,
                      "heavy.salvage_fraction": 0.1})
    salvage, q = 0.1 * fleet, 1 - 2 / 48
    old_47, old_48 = fleet * q ** 46 - fleet * q ** 47, fleet * q ** 47 - salvage  # the old closed form
    assert round(old_47 / 1e4, 1) == 9.5 and round(old_48 / 1e4, 1) == 56.8
    got = list(model.evaluate(s).heavy_monthly["depreciation_cny"])
    nbv, want = fleet, [0.0]
    for month in range(1, 49):
        charge = max(nbv * 2 / 48, (nbv - salvage) / (48 - month + 1))
        want.append(charge)
        nbv -= charge
    assert got == pytest.approx(want, rel=1e-9)
    assert nbv == pytest.approx(salvage, rel=1e-12)
    assert all(b <= a + 1e-9 for a, b in zip(got[1:], got[2:], strict=False))  # never rises: no end-of-life spike
    assert got[48] == pytest.approx(got[47], rel=1e-12) and got[48] < old_48 / 3  # a straight-line tail


def test_old_declining_balance_name_loads_as_the_monthly_method(seed):
    s = seed.replace({"heavy.depreciation_method": "declining_balance"})
    assert s.heavy.depreciation_method == "declining_balance_monthly"


# --------------------------------------------------------------------------- residual value and disposal tax
def test_a_disposal_loss_reduces_the_tax_of_its_month(seed):
    """Resale at 5 % of capex after 3 years, against a book value of 40 %: a 63万 loss. Month 36 is
    profitable (8.14万 pre-tax), so the loss cuts that month's tax to zero — no further."""
    s = seed.replace({"general.tax_rate": 0.25, "general.horizon_months": 36,
                      "heavy.terminal_value_method": "resale_fraction", "heavy.resale_fraction_of_capex": 0.05})
    m = model.evaluate(s).heavy_monthly
    profit = 157.68e4 / 12 - CASH_COST_PER_MONTH - DEPRECIATION_PER_MONTH
    book, resale = CAPEX * (1 - 36 / 60), 0.05 * CAPEX
    taxed_before = 35 * profit  # every month profitable: taxed base after month 35
    cum = 36 * profit
    tax_without = 0.25 * (max(taxed_before, cum) - taxed_before)
    tax_with = 0.25 * (max(taxed_before, cum + resale - book) - taxed_before)
    assert tax_with == 0 and tax_without == pytest.approx(0.25 * profit)
    assert m["disposal_tax_cny"].iloc[36] == pytest.approx(tax_with - tax_without, rel=1e-9)  # −20,350
    assert m["terminal_value_cny"].iloc[36] == pytest.approx(resale, rel=1e-12)
    assert m["terminal_value_after_tax_cny"].iloc[36] == pytest.approx(resale + 0.25 * profit, rel=1e-9)
    assert m["project_disposal_tax_cny"].iloc[36] == pytest.approx(tax_with - tax_without, rel=1e-9)  # no loan


def test_a_disposal_gain_is_taxed_and_resale_can_decline_yearly(seed):
    s = seed.replace({"general.tax_rate": 0.25, "general.horizon_months": 36,
                      "heavy.terminal_value_method": "resale_decline", "heavy.resale_decline_per_year": 0.1})
    m = model.evaluate(s).heavy_monthly
    resale = CAPEX * 0.9 ** 3  # 131.2万 against a book value of 72万: a gain
    assert m["terminal_value_cny"].iloc[36] == pytest.approx(resale, rel=1e-12)
    assert m["disposal_tax_cny"].iloc[36] == pytest.approx(0.25 * (resale - CAPEX * 0.4), rel=1e-9)


def test_book_value_terminal_method_is_todays_and_untaxed_at_fraction_one(seed):
    m = model.evaluate(seed.replace({"general.tax_rate": 0.25, "general.horizon_months": 36})).heavy_monthly
    assert m["terminal_value_cny"].iloc[36] == pytest.approx(CAPEX * 0.4, rel=1e-12)
    assert m["disposal_tax_cny"].abs().max() == 0
