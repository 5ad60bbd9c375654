"""Depreciation schedules: net book value after ``s`` months of service, by method.

Every schedule is a closed form in the service month (no recursion over months), so one call
serves one scenario or a million, and a second schedule — tax depreciation with its own method and
life — can reuse the same functions. Book values reach the salvage value exactly at the end of the
life and never go below it.

* straight line (the seed, 002:1512): ``capex − (capex − salvage) × min(s, L)/L``, L = life in months.
* double declining balance (双倍余额递减法, CAS): by service year, 2/N of the opening net book value
  a year (N = life in years), the last two years straight line down to salvage; a life of 1 or 2
  years is straight line.
* sum of years' digits (年数总和法, CAS): year y writes off (N − y + 1)/(N(N + 1)/2) of the
  depreciable base.
* the by-year methods charge each month 1/12 of its service year's amount.
* monthly declining balance: each month factor/L of the net book value, switching to straight line
  over the remaining months as soon as that is larger (no write-down spike at the end of life).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from finmodel.model.expr import (
    DOUBLE_DECLINING_FACTOR,
    DOUBLE_DECLINING_FINAL_YEARS,
    MONTHS_PER_YEAR,
    floor,
    maximum,
    minimum,
    safe_div,
    where,
)

if TYPE_CHECKING:
    from finmodel.model.expr import Num


def straight_line_book_cny(capex_cny: Num, salvage_cny: Num, life_m: Num, s: Num) -> Num:
    """Net book value after ``s`` service months, straight line over ``life_m`` months. [CNY]"""
    return capex_cny - (capex_cny - salvage_cny) * minimum(s, life_m) / life_m


def years_done(s: Num) -> Num:
    """Whole service years completed after ``s`` service months: floor(s / 12). [years]"""
    return floor(s / MONTHS_PER_YEAR)


def double_declining_opening_cny(capex_cny: Num, salvage_cny: Num, life_years: Num, k: Num) -> Num:
    """Double declining balance: net book value after ``k`` whole service years (N = life years). [CNY]

    ``max(salvage, capex × (1 − 2/N)^k)`` for k ≤ N − 2, then straight line to salvage over the last
    two years: ``salvage + (NBV_{N−2} − salvage) × (N − min(k, N)) / 2``. (Valid for N ≥ 3; shorter
    lives are straight line, see :func:`book_value_cny`.)"""
    q = 1 - DOUBLE_DECLINING_FACTOR / life_years
    turn = life_years - DOUBLE_DECLINING_FINAL_YEARS
    at_turn = maximum(salvage_cny, capex_cny * q ** turn)
    tail = salvage_cny + (at_turn - salvage_cny) * (life_years - minimum(k, life_years)) / DOUBLE_DECLINING_FINAL_YEARS
    return where(k <= turn, maximum(salvage_cny, capex_cny * q ** k), tail)


def sum_of_years_opening_cny(capex_cny: Num, salvage_cny: Num, life_years: Num, k: Num) -> Num:
    """Sum of years' digits: net book value after ``k`` whole service years,
    ``capex − (capex − salvage) × y(2N − y + 1) / (N(N + 1))`` with y = min(k, N). [CNY]"""
    y = minimum(k, life_years)
    digits = life_years * (life_years + 1)
    return capex_cny - (capex_cny - salvage_cny) * y * (life_years + life_years - y + 1) / digits


def by_year_book_cny(opening_cny: Num, next_opening_cny: Num, s: Num, k: Num) -> Num:
    """Net book value ``s`` service months in, when year ``k + 1`` (which started at ``opening``
    and ends at ``next_opening``) is charged 1/12 of its amount a month. [CNY]"""
    return opening_cny - (s - k * MONTHS_PER_YEAR) / MONTHS_PER_YEAR * (opening_cny - next_opening_cny)


def declining_monthly_slope_cny(capex_cny: Num, salvage_cny: Num, life_m: Num, s: Num, factor: Num) -> Num:
    """Monthly declining balance: the straight-line charge over the remaining months if the switch
    came after ``s`` months, ``(capex × (1 − factor/L)^s − salvage) / (L − s)``; 0 from the end of
    the life. Its running minimum G(s) over months gives the book value
    (:func:`declining_monthly_book_cny`). [CNY/month]"""
    rate = minimum(factor / life_m, 1)
    remaining = life_m - s
    return where(remaining > 0, safe_div(capex_cny * (1 - rate) ** s - salvage_cny, remaining), 0)


def declining_monthly_book_cny(salvage_cny: Num, life_m: Num, s: Num, running_min_slope_cny: Num) -> Num:
    """Monthly declining balance switching to straight line: ``salvage + (L − s) × max(G(s), 0)``,
    salvage from the end of the life. Equal to charging each month the larger of factor/L of the
    book value and the straight line over the remaining months (G falls while declining balance
    charges more, then stays: the switch). [CNY]"""
    return where(s >= life_m, salvage_cny, salvage_cny + (life_m - s) * maximum(running_min_slope_cny, 0))


def double_declining_book_cny(capex_cny: Num, salvage_cny: Num, life_years: Num, s: Num, k: Num) -> Num:
    """Double declining balance, charged by service year (1/12 of the year a month); a life of one
    or two years is straight line. [CNY]"""
    ddb = by_year_book_cny(double_declining_opening_cny(capex_cny, salvage_cny, life_years, k),
                           double_declining_opening_cny(capex_cny, salvage_cny, life_years, k + 1), s, k)
    line = straight_line_book_cny(capex_cny, salvage_cny, life_years * MONTHS_PER_YEAR, s)
    return where(life_years <= DOUBLE_DECLINING_FINAL_YEARS, line, ddb)


def sum_of_years_book_cny(capex_cny: Num, salvage_cny: Num, life_years: Num, s: Num, k: Num) -> Num:
    """Sum of years' digits, charged by service year (1/12 of the year a month). [CNY]"""
    return by_year_book_cny(sum_of_years_opening_cny(capex_cny, salvage_cny, life_years, k),
                            sum_of_years_opening_cny(capex_cny, salvage_cny, life_years, k + 1), s, k)


def chosen_book_cny(straight: Num, double: Num, digits: Num, straight_cny: Num, double_cny: Num, digits_cny: Num,
                    monthly_cny: Num) -> Num:
    """The book value of the method whose flag is 1 (none of the three: monthly declining). [CNY]"""
    return where(straight, straight_cny, where(double, double_cny, where(digits, digits_cny, monthly_cny)))
