"""The monthly timeline: month index, service months and hours.

Month ``t = 0`` is the purchase date (capex is paid then); months ``1..H`` are operating months
whose flows fall at month end. Service starts after the lead time: service month
``s = max(0, t - lead_time)``, so revenue begins in month ``lead_time + 1``.
"""

from __future__ import annotations

from finmodel.model.expr import MONTHS_PER_YEAR, maximum


def service_month(t, lead_time_months):
    """Months in service at the end of month ``t`` (0 before service starts). [months]"""
    return maximum(t - lead_time_months, 0)


def in_service(s):
    """1 in months with service (s ≥ 1), else 0. [flag]"""
    return s >= 1


def operating(t):
    """1 in months 1..H (after the purchase date), else 0. [flag]"""
    return t >= 1


def within_horizon(t, horizon_months):
    """1 for months up to the horizon (lets a workbook shorten its horizon). [flag]"""
    return t <= horizon_months


def hours_per_month(hours_per_year):
    """Hours in one month, 1/12 of a year (730 h for 8,760 h/year). [h/month]"""
    return hours_per_year / MONTHS_PER_YEAR


def first_service_year(s):
    """1 in the first 12 months of service, the seed's 'annual' figures. [flag]"""
    return (s >= 1) & (s <= MONTHS_PER_YEAR)
