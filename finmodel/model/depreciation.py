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

from typing import TYPE_CHECKING, Any

from finmodel.model.engine import Item
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
    from collections.abc import Callable

    from finmodel.model.expr import Num


def straight_line_book_cny(capex_cny: Num, salvage_cny: Num, life_m: Num, s: Num) -> Num:
    """Net book value after ``s`` service months, straight line over ``life_m`` months. [CNY]"""
    return capex_cny - (capex_cny - salvage_cny) * minimum(s, life_m) / life_m


def years_done(s: Num) -> Num:
    """Whole service years completed after ``s`` service months: floor(s / 12). [years]"""
    return floor(s / MONTHS_PER_YEAR)


def double_declining_ratio(life_years: Num) -> Num:
    """Double declining balance: the share of the net book value kept each year, 1 − 2/N. [fraction]"""
    return 1 - DOUBLE_DECLINING_FACTOR / life_years


def double_declining_turn_years(life_years: Num) -> Num:
    """Double declining balance: the years before the straight-line tail, N − 2. [years]"""
    return life_years - DOUBLE_DECLINING_FINAL_YEARS


def double_declining_declining_cny(capex_cny: Num, salvage_cny: Num, ratio: Num, k: Num) -> Num:
    """Double declining balance before the tail: ``max(salvage, capex × ratio^k)`` after ``k`` whole
    service years (also the value at the turn, with k = N − 2). [CNY]"""
    return maximum(salvage_cny, capex_cny * ratio ** k)


def double_declining_tail_cny(salvage_cny: Num, at_turn_cny: Num, life_years: Num, years_in_life: Num) -> Num:
    """Double declining balance in the last two years: straight line from the value at the turn
    to salvage, ``salvage + (NBV_{N−2} − salvage) × (N − min(k, N)) / 2``. [CNY]"""
    return salvage_cny + (at_turn_cny - salvage_cny) * (life_years - years_in_life) / DOUBLE_DECLINING_FINAL_YEARS


def sum_of_years_per_digit_cny(capex_cny: Num, salvage_cny: Num, life_years: Num) -> Num:
    """Sum of years' digits: the depreciable amount per digit, ``(capex − salvage) ÷ (N(N + 1))``
    (twice the amount of one digit of the sum 1 + … + N). [CNY]"""
    return (capex_cny - salvage_cny) / (life_years * (life_years + 1))


def sum_of_years_opening_cny(capex_cny: Num, per_digit_cny: Num, life_years: Num, years_in_life: Num) -> Num:
    """Sum of years' digits: net book value after ``k`` whole service years,
    ``capex − (capex − salvage) × y(2N − y + 1) / (N(N + 1))`` with y = min(k, N) (``years_in_life``)
    and ``(capex − salvage) / (N(N + 1))`` given as ``per_digit_cny``. [CNY]"""
    y = years_in_life
    return capex_cny - per_digit_cny * y * (life_years + life_years - y + 1)


def by_year_book_cny(opening_cny: Num, next_opening_cny: Num, s: Num, k: Num) -> Num:
    """Net book value ``s`` service months in, when year ``k + 1`` (which started at ``opening``
    and ends at ``next_opening``) is charged 1/12 of its amount a month. [CNY]"""
    return opening_cny - (s - k * MONTHS_PER_YEAR) / MONTHS_PER_YEAR * (opening_cny - next_opening_cny)


def declining_monthly_ratio(life_m: Num, factor: Num) -> Num:
    """Monthly declining balance: the share of the book value kept a month, 1 − min(factor/L, 1). [fraction]"""
    return 1 - minimum(factor / life_m, 1)


def declining_monthly_slope_cny(capex_cny: Num, salvage_cny: Num, life_m: Num, s: Num, ratio: Num) -> Num:
    """Monthly declining balance: the straight-line charge over the remaining months if the switch
    came after ``s`` months, ``(capex × ratio^s − salvage) / (L − s)`` (ratio:
    :func:`declining_monthly_ratio`); 0 from the end of the life. Its running minimum G(s) over
    months gives the book value (:func:`declining_monthly_book_cny`). [CNY/month]"""
    remaining = life_m - s
    return where(remaining > 0, safe_div(capex_cny * ratio ** s - salvage_cny, remaining), 0)


def declining_monthly_book_cny(salvage_cny: Num, life_m: Num, s: Num, running_min_slope_cny: Num) -> Num:
    """Monthly declining balance switching to straight line: ``salvage + (L − s) × max(G(s), 0)``,
    salvage from the end of the life. Equal to charging each month the larger of factor/L of the
    book value and the straight line over the remaining months (G falls while declining balance
    charges more, then stays: the switch). [CNY]"""
    return where(s >= life_m, salvage_cny, salvage_cny + (life_m - s) * maximum(running_min_slope_cny, 0))


def double_declining_book_cny(life_years: Num, line_cny: Num, by_year_cny: Num) -> Num:
    """Double declining balance, charged by service year (``by_year_cny``); a life of one or two
    years is straight line (``line_cny``). [CNY]"""
    return where(life_years <= DOUBLE_DECLINING_FINAL_YEARS, line_cny, by_year_cny)


def chosen_book_cny(straight: Num, double: Num, digits: Num, straight_cny: Num, double_cny: Num, digits_cny: Num,
                    monthly_cny: Num) -> Num:
    """The book value of the method whose flag is 1 (none of the three: monthly declining). [CNY]"""
    return where(straight, straight_cny, where(double, double_cny, where(digits, digits_cny, monthly_cny)))


def by_year_items(p: str, life: Callable[[Any], Any], double_flag: str, what: tuple[str, str],
                  syd_flag: str) -> list[Item]:
    """The helper lines of the by-year methods (double declining, sum of years' digits) on the life
    ``life(m)`` in years, keyed ``{p}…``: the opening book values of the current and the next
    service year (:func:`by_year_book` turns them into the book value; the double declining ones
    are 0 where ``double_flag`` is 0, the sum-of-years ones where ``syd_flag`` is, and numpy skips
    them when no scenario of the batch chose the method). ``what`` names the schedule in the labels
    (en, zh). Split so that no Excel formula exceeds 200 characters (issue 13)."""
    en, zh = what

    def r(m: Any, key: str) -> Any:
        return m.row(p + key)

    def opening(j: int) -> list[Item]:
        nth, zh_nth = ("this", "本") if j == 0 else ("next", "下")
        k = (lambda m: m.row("service_years_done")) if j == 0 else (lambda m: m.row("service_years_done") + 1)
        return [
            Item(f"{p}years_in_life_{j}", f"{en}: whole service years within the life ({nth} year's opening)",
                 f"{zh}：寿命内已运营整年数({zh_nth}年初)", "years", lambda m: minimum(k(m), life(m)),
                 fmt="number", helper=True),
            Item(f"{p}ddb_declining_{j}_cny", f"{en}: double declining before the tail ({nth} year's opening)",
                 f"{zh}：双倍余额递减(转直线前,{zh_nth}年初)", "CNY",
                 lambda m: double_declining_declining_cny(m.row("capex_cny"), m.row("salvage_cny"),
                                                          r(m, "ddb_ratio"), k(m)),
                 helper=True, used_when=double_flag),
            Item(f"{p}ddb_tail_{j}_cny", f"{en}: double declining, straight-line tail ({nth} year's opening)",
                 f"{zh}：双倍余额递减(最后两年直线,{zh_nth}年初)", "CNY",
                 lambda m: double_declining_tail_cny(m.row("salvage_cny"), r(m, "ddb_at_turn_cny"), life(m),
                                                     r(m, f"years_in_life_{j}")), helper=True, used_when=double_flag),
            Item(f"{p}ddb_opening_{j}_cny", f"{en}: double declining, {nth} service year's opening",
                 f"{zh}：双倍余额递减({zh_nth}年初账面净值)", "CNY",
                 lambda m: where(k(m) <= r(m, "ddb_turn_years"), r(m, f"ddb_declining_{j}_cny"),
                                 r(m, f"ddb_tail_{j}_cny")), helper=True, used_when=double_flag),
            Item(f"{p}syd_opening_{j}_cny", f"{en}: sum of years' digits, {nth} service year's opening",
                 f"{zh}：年数总和法({zh_nth}年初账面净值)", "CNY",
                 lambda m: sum_of_years_opening_cny(m.row("capex_cny"), r(m, "syd_per_digit_cny"), life(m),
                                                    r(m, f"years_in_life_{j}")), helper=True, used_when=syd_flag),
        ]

    return [
        Item(p + "ddb_ratio", f"{en}: double declining, share kept a year (1 − 2/N)", f"{zh}：双倍余额递减年留存比例",
             "fraction", lambda m: double_declining_ratio(life(m)), kind="scalar", fmt="number", helper=True),
        Item(p + "ddb_turn_years", f"{en}: double declining, years before the straight-line tail",
             f"{zh}：双倍余额递减转直线前年数", "years", lambda m: double_declining_turn_years(life(m)),
             kind="scalar", fmt="number", helper=True),
        Item(p + "ddb_at_turn_cny", f"{en}: double declining, book value at the turn",
             f"{zh}：双倍余额递减转直线时账面净值", "CNY",
             lambda m: double_declining_declining_cny(m.row("capex_cny"), m.row("salvage_cny"), r(m, "ddb_ratio"),
                                                      r(m, "ddb_turn_years")),
             kind="scalar", helper=True),
        Item(p + "syd_per_digit_cny", f"{en}: sum of years' digits, depreciable amount ÷ N(N + 1)",
             f"{zh}：年数总和法，应折旧额÷N(N+1)", "CNY",
             lambda m: sum_of_years_per_digit_cny(m.row("capex_cny"), m.row("salvage_cny"), life(m)),
             kind="scalar", helper=True, used_when=syd_flag),
        *opening(0), *opening(1),
    ]


def by_year_book(m: Any, p: str, method: str) -> Any:
    """The book value of a by-year method (``method`` "ddb" or "syd") from its helper lines
    ``{p}{method}_opening_0_cny`` and ``…_1_cny`` (:func:`by_year_items`). [CNY]"""
    return by_year_book_cny(m.row(f"{p}{method}_opening_0_cny"), m.row(f"{p}{method}_opening_1_cny"),
                            m.row("service_month"), m.row("service_years_done"))
