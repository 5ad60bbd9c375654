"""Debt: an annuity loan drawn at month 0 and repaid in level monthly payments."""

from __future__ import annotations

from finmodel.model.expr import MONTHS_PER_YEAR, maximum, minimum, safe_div, where


def monthly_rate(rate_per_year):
    """Nominal annual rate charged monthly: rate ÷ 12. [fraction/month]"""
    return rate_per_year / MONTHS_PER_YEAR


def annuity_payment_cny(principal_cny, rate_m, term_months):
    """Level payment repaying ``principal`` over ``term`` months (like Excel PMT). [CNY/month]"""
    growth = (1 + rate_m) ** term_months
    return where(rate_m > 0, principal_cny * rate_m * safe_div(growth, growth - 1), principal_cny / term_months)


def loan_balance_cny(principal_cny, rate_m, payment_cny, term_months, t):
    """Balance outstanding after the payment of month ``t`` (principal at t = 0); exactly 0 from the
    last payment on (not the annuity formula's rounding residue of ±1e-9 CNY). [CNY]"""
    k = minimum(t, term_months)
    growth = (1 + rate_m) ** k
    with_interest = principal_cny * growth - payment_cny * safe_div(growth - 1, rate_m)
    no_interest = principal_cny - payment_cny * k
    return where(t < term_months, maximum(where(rate_m > 0, with_interest, no_interest), 0), 0)


def interest_cny(balance_prev_cny, rate_m):
    """Interest on last month's balance. [CNY/month]"""
    return balance_prev_cny * rate_m
