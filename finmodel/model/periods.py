"""The calendar of the timeline: which calendar month, calendar year and fiscal year each month is.

Month ``t`` of the timeline is the calendar month ``n = start + t``, with ``start`` the purchase
month (``general.start_date``) as its **month number** ``12 × year + (month − 1)``
(:class:`finmodel.schema.months.Month`: 2025-04 is 24,303). Everything here is integer arithmetic on
``n``, so each line is the same short formula in numpy and in Excel.

A fiscal year starts in calendar month ``k`` (``general.fiscal_year_start_month``; 1 = the calendar
year) and is **named by the calendar year in which it ends**: with ``k = 4``, April 2025 - March 2026
is fiscal 2026. Month 0 belongs to the fiscal year of the purchase month.

The calendar changes no monthly figure and no result: only period labels and the grouping of months
into years for the annual statements (:mod:`finmodel.model.annual`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from finmodel.model.expr import MONTHS_PER_YEAR, eq, floor, land, where

if TYPE_CHECKING:
    from finmodel.model.expr import Num


def month_number(start: Num, t: Num) -> Num:
    """The calendar month of timeline month ``t``, as a month number. [months since year 0]"""
    return start + t


def calendar_year(n: Num) -> Num:
    """The calendar year of month number ``n``. [year]"""
    return floor(n / MONTHS_PER_YEAR)


def calendar_month(n: Num, year: Num) -> Num:
    """The month of the year (1 = January … 12) of month number ``n`` in calendar ``year``."""
    return n - MONTHS_PER_YEAR * year + 1


def fiscal_year(year: Num, month: Num, first_month: Num) -> Num:
    """The fiscal year (named by the calendar year it ends in) of ``month`` of calendar ``year``,
    for fiscal years starting in ``first_month``. [year]"""
    return year + where(land(month >= first_month, first_month > 1), 1, 0)


def fiscal_month(month: Num, first_month: Num) -> Num:
    """The position of a calendar ``month`` in its fiscal year: 1 (the first month) … 12 (the last)."""
    return month - first_month + 1 + MONTHS_PER_YEAR * where(month < first_month, 1, 0)


def year_close(fiscal_month_: Num, t: Num, horizon_months: Num) -> Num:
    """1 in the last month of each fiscal year within the horizon and in the horizon month (the
    last, maybe partial, year's close), else 0. [flag]"""
    last = where(eq(fiscal_month_, MONTHS_PER_YEAR), 1, 0)
    return where(t <= horizon_months, where(eq(t, horizon_months), 1, last), 0)
