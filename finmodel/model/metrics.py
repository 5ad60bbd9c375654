"""Payback (simple and discounted), NPV, IRR, margins and ROI — each defined once.

Timing convention: month 0 is the purchase date, monthly flows fall at month end, NPV discounts
month ``t`` by ``(1 + r_annual)^(t/12)`` and leaves month 0 undiscounted.

Payback (the seed's definition, 002:1524, generalised to uneven flows): the month in which the
cumulative cash flow last turns from negative to non-negative, interpolated linearly within that
month; "never" (NaN) when the cumulative flow is still negative at the horizon — or not a number (a
payback built on a non-finite line is never finite); 0 when it is never negative. For the seed's
level flows it equals capex ÷ (annual revenue − annual cash cost) × 12.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from finmodel.model.expr import (
    BLANK,
    MONTHS_PER_YEAR,
    NEVER,
    NONE,
    NOT_APPLICABLE,
    floor,
    iferror,
    irr,
    maximum,
    npv,
    prev,
    row_last,
    row_max,
    where,
)

if TYPE_CHECKING:
    from finmodel.model.expr import Num, Row  # float, numpy array or formula symbol; a whole row


# ---- timeline helpers (rows) -------------------------------------------------------------------
def discount_factor(discount_rate_per_year: Num, t: Num) -> Num:
    """Present value of 1 CNY paid at the end of month ``t``. [fraction]"""
    return (1 + discount_rate_per_year) ** (-t / MONTHS_PER_YEAR)


def payback_crossing(cumulative: Num, flow: Num, t: Num) -> Num:
    """In the month where the cumulative flow turns non-negative, the fractional month at which it
    crosses zero (linear within the month); blank elsewhere. A crossing is never negative (it is at
    t ≥ 1, and −before ÷ flow is in (0, 1]). [months]"""
    before = prev(cumulative)
    crossed = (before < 0) & (cumulative >= 0)
    return where(crossed, (t - 1) - before / flow, BLANK)


# ---- reductions (one number per scenario) --------------------------------------------------------
def payback_months(cumulative_row: Row, crossing_row: Row) -> Num:
    """Payback in months from purchase: the last crossing, 0 when there is none (the cumulative flow
    was never negative; the largest of no crossings is 0, as for Excel's ``MAX``, and a crossing is
    never below 0); NaN / "never" if not recovered within the horizon (or the cumulative flow is
    NaN). [months]"""
    return where(row_last(cumulative_row) >= 0, row_max(crossing_row), NEVER)


def peak_funding_cny(min_cumulative_cny: Num) -> Num:
    """The most cash the shareholders have in at any month: −min(0, lowest cumulative operating
    equity cash flow), a positive amount. [CNY]"""
    return maximum(-min_cumulative_cny, 0)


def breakeven_occupancy(capacity_p: Num, buy_cny_per_p_year: Num, fixed_cny_per_month: Num,
                        sell_cny_per_p_year: Num, vas_net_cny_per_p_year: Num) -> Num:
    """Occupancy at which a year's resale and services pay for the capacity and the platform:
    (capacity × buy price + 12 × fixed cost) ÷ (capacity × (resale price + net VAS)); above 1 it is
    unattainable. [fraction]"""
    return (capacity_p * buy_cny_per_p_year + fixed_cny_per_month * MONTHS_PER_YEAR) / (
        capacity_p * (sell_cny_per_p_year + vas_net_cny_per_p_year))


def service_year_of_month(month: Num) -> Num:
    """The service year (1, 2, …) a month 1, 2, … falls in: floor((month − 1)/12) + 1. [year]"""
    return floor((month - 1) / MONTHS_PER_YEAR) + 1


def monthly_discount_rate(discount_rate_per_year: Num) -> Num:
    """Monthly rate equivalent to an annual rate: (1 + r)^(1/12) − 1. [fraction/month]"""
    return (1 + discount_rate_per_year) ** (1 / MONTHS_PER_YEAR) - 1


def net_present_value_cny(discount_rate_per_year: Num, cash_flow_row: Row) -> Num:
    """NPV at month 0 of the monthly cash flows. [CNY]"""
    return npv(monthly_discount_rate(discount_rate_per_year), cash_flow_row)


def irr_per_year(cash_flow_row: Row) -> Num:
    """IRR of monthly flows, annualised as (1 + IRR_month)^12 − 1; "none" where undefined. [fraction/year]"""
    return iferror((1 + irr(cash_flow_row)) ** MONTHS_PER_YEAR - 1, NONE)


def ratio(numerator: Num, denominator: Num) -> Num:
    """A margin or return: numerator ÷ denominator, "n/a" where the denominator is 0. [fraction]"""
    return iferror(numerator / denominator, NOT_APPLICABLE)
