"""Income tax as the statute computes it (issue 12, ``[tax]``): tax depreciation of its own, the
one-off deduction of equipment, taxable income by tax period, FIFO loss vintages that expire, and
monthly provisional payments settled after the tax year. Rules and sources: ``docs/deal_tax.md``.

The heavy model's tax chain (:func:`finmodel.model.lines.income_tax` with ``adjust_key``) reads:

* ``tax_adjustment_cny``: book depreciation − tax depreciation − non-taxable grant income, so the
  taxable income before losses is pre-tax profit (or EBIT, the project chain) + the adjustment;
* with ``tax.basis = 'cumulative'`` and unlimited losses the closed form of
  :mod:`finmodel.model.tax` on that income (the model's earlier rule, unchanged by default);
* otherwise :func:`period_chain`: a **tax period** is a month (cumulative basis) or a tax year
  (``fiscal_year_close`` ends it). Losses of closed periods accumulate (C); the losses taken out of
  the FIFO queue, used or expired (Q), follow the recurrence
  ``Q[t] = max(Q[t−1], E[t]) + close[t] × min(max(0, Y[t]), C[t−1] − max(Q[t−1], E[t]))`` with
  ``E[t] = C[t − 12 × years − 1]`` the losses past their carry-forward (0 without expiry) and ``Y``
  the period's income to date. Each month pays the provisional tax on the period to date (never
  refunded within it); the overpayment of a closed year is refunded
  ``tax.settlement_months_after_year_end`` months later, or at the horizon (the liquidation).

The P&L's income tax is the tax paid in the month (no deferred tax and no tax payable line): the
statements balance with no line of their own, and a year's P&L tax differs from its liability by the
timing of the settlement (``docs/deal_tax.md``).
"""

from __future__ import annotations

from typing import Any

from finmodel.model import capex, depreciation, flags
from finmodel.model.engine import Item
from finmodel.model.expr import (
    MONTHS_PER_YEAR,
    cumsum,
    is_blank,
    lag,
    land,
    maximum,
    minimum,
    prev,
    recurrence,
    select,
    where,
)

T = "tax."
G = "general."
H = "heavy."
S = "subsidy."

SWITCHES: list[Item] = [
    *flags.flags(T + "basis", {"tax_year": "flag_tax_year_basis"}),
    *flags.flags(T + "loss_carry_forward", {"statute": "flag_loss_expiry"}),
    *flags.flags(T + "enterprise", {"hnte_tsme": "flag_hnte_tsme"}),
    *flags.flags(T + "one_off_deduction", {"on": "flag_one_off_deduction"}),
    *flags.flags(T + "depreciation_method", {"straight_line": "flag_tax_straight_line",
                                            "double_declining": "flag_tax_double_declining",
                                            "sum_of_years": "flag_tax_sum_of_years"}),
    *flags.flags(S + "capex_grant_tax", {"non_taxable": "flag_grant_non_taxable"}),
]


def _own_method(m: Any, tax_flag: str, book_flag: str) -> Any:
    """1 where the tax method is ``tax_flag``'s, or blank and the book method is ``book_flag``'s."""
    return where(is_blank(m.x(T + "depreciation_method")), m.row(book_flag), m.row(tax_flag))


SCALARS: list[Item] = [
    Item("flag_tax_periods", "Tax by periods with FIFO losses (tax-year basis or expiring losses)",
         "按纳税期间与先进先出亏损计税(纳税年度口径或亏损到期)", "flag",
         lambda m: where(m.row("flag_tax_year_basis") + m.row("flag_loss_expiry") > 0, 1, 0),
         kind="scalar", fmt="flag", helper=True),
    Item("tax_closed_form", "Tax by the closed form (cumulative basis, unlimited losses)",
         "按累计口径计税(亏损无限期结转)",
         "flag", lambda m: 1 - m.row("flag_tax_periods"), kind="scalar", fmt="flag", helper=True),
    Item("loss_expiry_lag_months", "Months after which a loss has expired (12 × years + 1)", "亏损到期滞后月数",
         "months", lambda m: MONTHS_PER_YEAR * where(m.row("flag_hnte_tsme"), m.x(T + "loss_years_hnte_tsme"),
                                                     m.x(T + "loss_years_standard")) + 1,
         kind="scalar", fmt="number", helper=True),
    Item("one_off_in_window", "Purchase month within the one-off deduction's window", "购置月份在一次性扣除期间内",
         "flag", lambda m: where(land(m.x(G + "start_date") >= m.x(T + "one_off_first_month"),
                                      m.x(G + "start_date") <= m.x(T + "one_off_last_month")), 1, 0),
         kind="scalar", fmt="flag", helper=True),
    Item("one_off_eligible", "One-off deduction applies (switch, unit value, purchase month)", "适用一次性扣除",
         "flag", lambda m: where(land(land(m.row("flag_one_off_deduction"), m.row("one_off_in_window")),
                                      m.row("capex_per_server_cny") <= m.x(T + "one_off_limit_cny_per_unit")), 1, 0),
         kind="scalar", fmt="flag", helper=True),
    Item("tax_deductible_share", "Deductible share of the asset's cost (1 − non-taxable grant)", "资产可扣除比例",
         "fraction", lambda m: 1 - m.row("flag_grant_non_taxable") * m.x(S + "capex_grant_share"),
         kind="scalar", fmt="frac", helper=True),
    Item("tax_life_years", "Tax depreciation life", "税务折旧年限", "years",
         lambda m: where(is_blank(m.x(T + "depreciation_life_years")), m.x(H + "depreciation_life_years"),
                         m.x(T + "depreciation_life_years")), kind="scalar", fmt="number"),
    Item("tax_life_months", "Tax depreciation life in months", "税务折旧月数", "months",
         lambda m: capex.life_months(m.row("tax_life_years")), kind="scalar", fmt="number", helper=True),
    Item("tax_method_straight_line", "Tax method: straight line", "税务折旧：直线法", "flag",
         lambda m: _own_method(m, "flag_tax_straight_line", "flag_straight_line"), kind="scalar", fmt="flag",
         helper=True),
    Item("tax_method_double_declining", "Tax method: double declining", "税务折旧：双倍余额递减法", "flag",
         lambda m: _own_method(m, "flag_tax_double_declining", "flag_double_declining"), kind="scalar", fmt="flag",
         helper=True),
    Item("tax_method_sum_of_years", "Tax method: sum of years' digits", "税务折旧：年数总和法", "flag",
         lambda m: _own_method(m, "flag_tax_sum_of_years", "flag_sum_of_years"), kind="scalar", fmt="flag",
         helper=True),
    Item("flag_tax_book_own", "Tax book value differs from the book (own method or life, one-off, grant)",
         "计税基础与账面不同", "flag",
         lambda m: where(land(land(is_blank(m.x(T + "depreciation_method")),
                                   is_blank(m.x(T + "depreciation_life_years"))),
                              land(m.row("one_off_eligible") < 1, m.row("tax_deductible_share") >= 1)), 0, 1),
         kind="scalar", fmt="flag", helper=True),
]


def _life(m: Any) -> Any:
    return m.row("tax_life_years")


def _line(m: Any) -> Any:
    """The tax book value, straight line over the tax life. [CNY]"""
    return depreciation.straight_line_book_cny(m.row("capex_cny"), m.row("salvage_cny"), m.row("tax_life_months"),
                                               m.row("service_month"))


DEPRECIATION: list[Item] = [
    Item("tax_book_straight_line_cny", "Tax book value, straight line", "计税基础(直线法)", "CNY",
         _line,
         helper=True, used_when="flag_tax_book_own"),
    *depreciation.by_year_items("tax_", _life, "tax_method_double_declining", ("Tax book value", "计税基础"),
                                "tax_method_sum_of_years"),
    Item("tax_book_line_cny", "Tax book value, straight line over a one- or two-year life (double declining)",
         "计税基础(双倍余额递减法,一至两年直线)", "CNY",
         _line,
         helper=True, used_when="tax_method_double_declining"),
    Item("tax_book_double_declining_cny", "Tax book value, double declining", "计税基础(双倍余额递减法)", "CNY",
         lambda m: depreciation.double_declining_book_cny(_life(m), m.row("tax_book_line_cny"),
                                                          depreciation.by_year_book(m, "tax_", "ddb")),
         helper=True, used_when="tax_method_double_declining"),
    Item("tax_book_sum_of_years_cny", "Tax book value, sum of years' digits", "计税基础(年数总和法)", "CNY",
         lambda m: depreciation.by_year_book(m, "tax_", "syd"), helper=True, used_when="tax_method_sum_of_years"),
    Item("tax_book_method_cny", "Tax book value by the tax method (before one-off and grant)",
         "计税基础(按税务折旧方法)",
         "CNY", lambda m: depreciation.chosen_book_cny(
             m.row("tax_method_straight_line"), m.row("tax_method_double_declining"), m.row("tax_method_sum_of_years"),
             m.row("tax_book_straight_line_cny"), m.row("tax_book_double_declining_cny"),
             m.row("tax_book_sum_of_years_cny"), m.row("book_value_cny")), helper=True, used_when="flag_tax_book_own"),
    Item("tax_book_value_cny", "Tax book value (计税基础)", "计税基础", "CNY",
         lambda m: select(m.row("flag_tax_book_own"), lambda: m.row("tax_deductible_share") * where(
             land(m.row("one_off_eligible"), m.row("service_month") >= 1), 0, m.row("tax_book_method_cny")),
             lambda: m.row("book_value_cny"))),
    Item("tax_depreciation_cny", "Tax depreciation (incl. a one-off deduction)", "税务折旧(含一次性扣除)", "CNY/month",
         lambda m: select(m.row("flag_tax_book_own"), lambda: m.row("operating") * capex.depreciation_cny(
             prev(m.row("tax_book_value_cny")), m.row("tax_book_value_cny"), m.row("service_month")),
             lambda: m.row("depreciation_cny")), flow=True),
]


def adjustment(grant_key: str) -> Item:
    """Book depreciation − tax depreciation − the grant income ``grant_key`` where it is non-taxable:
    what turns book profit into taxable income before losses. [CNY/month]"""
    return Item("tax_adjustment_cny", "Tax adjustment (book − tax depreciation − non-taxable grant)",
                "纳税调整(账面折旧−税务折旧−不征税补助)", "CNY/month",
                lambda m: select(m.row("flag_tax_book_own"), lambda: m.row("depreciation_cny")
                                 - m.row("tax_depreciation_cny") - m.row("flag_grant_non_taxable") * m.row(grant_key),
                                 lambda: 0), flow=True)


def calendar_items() -> list[Item]:
    """The tax period's close: every month (cumulative basis) or the fiscal year's close. [flag]"""
    return [Item("tax_period_close", "Tax period closes (each month, or the tax year's end)", "纳税期间结束", "flag",
                 lambda m: where(m.row("flag_tax_year_basis"), m.row("fiscal_year_close"), 1), fmt="flag",
                 helper=True)]


def _taken(q: Any, expired: Any, losses_before: Any, income: Any, close: Any) -> Any:
    """One month of the FIFO queue of losses taken out (used or expired). [CNY]"""
    front = maximum(q, expired)
    return front + close * minimum(maximum(0, income), losses_before - front)


def period_chain(income_key: str, prefix: str = "") -> list[Item]:
    """Tax by period with FIFO loss vintages on the taxable income row ``income_key``; the last item,
    ``{prefix}period_tax_cny``, is the tax paid each month (provisional payments − refunds). [CNY]"""
    p = prefix

    def row(m: Any, key: str) -> Any:
        return m.row(p + key)

    en_of, zh_of = (" (project)", "（项目）") if prefix else ("", "")

    def on(key: str, en: str, zh: str, fn: Any, **kw: Any) -> Item:
        return Item(p + key, en + en_of, zh + zh_of, kw.pop("unit", "CNY"), fn, helper=kw.pop("helper", True),
                    used_when="flag_tax_periods", **kw)

    return [
        on("period_income_cny", "Taxable income of the tax period to date", "本期累计应纳税所得(弥补亏损前)",
           lambda m: recurrence(lambda q, closed, y: y + (1 - closed) * q, prev(m.row("tax_period_close")),
                                m.row(income_key))),
        on("losses_cny", "Losses of closed tax periods (cumulative)", "已结束期间亏损累计",
           lambda m: cumsum(m.row("tax_period_close") * maximum(0, -row(m, "period_income_cny")))),
        on("losses_expired_cny", "Losses past their carry-forward (cumulative)", "超过结转年限的亏损累计",
           lambda m: m.row("flag_loss_expiry") * lag(row(m, "losses_cny"), m.row("loss_expiry_lag_months"), m.t)),
        on("losses_taken_cny", "Losses used or expired, oldest first (cumulative)", "已弥补或作废亏损累计(先进先出)",
           lambda m: recurrence(_taken, row(m, "losses_expired_cny"), prev(row(m, "losses_cny")),
                                row(m, "period_income_cny"), m.row("tax_period_close"))),
        on("losses_available_cny", "Losses available to the period", "本期可弥补亏损",
           lambda m: prev(row(m, "losses_cny"))
           - maximum(prev(row(m, "losses_taken_cny")), row(m, "losses_expired_cny"))),
        on("period_tax_due_cny", "Tax due on the period to date", "本期累计应纳税额",
           lambda m: m.x(G + "tax_rate") * maximum(0, row(m, "period_income_cny") - row(m, "losses_available_cny"))),
        on("provisional_paid_cny", "Provisional tax paid in the period to date", "本期累计已预缴税额",
           lambda m: recurrence(lambda q, closed, due: maximum(due, (1 - closed) * q), prev(m.row("tax_period_close")),
                                row(m, "period_tax_due_cny"))),
        on("overpaid_cny", "Overpaid at the tax years' close (cumulative)", "年度多预缴税额累计",
           lambda m: cumsum(m.row("tax_period_close")
                            * (row(m, "provisional_paid_cny") - row(m, "period_tax_due_cny")))),
        on("refunded_cny", "Refunded at settlement (cumulative)", "汇算清缴退税累计",
           lambda m: where(m.t >= m.x(G + "horizon_months"), row(m, "overpaid_cny"),
                           lag(row(m, "overpaid_cny"), m.x(T + "settlement_months_after_year_end"), m.t))),
        on("period_tax_cny", "Income tax paid (provisional − refunds)", "当期缴纳所得税(预缴−退税)",
           lambda m: row(m, "provisional_paid_cny") - (1 - prev(m.row("tax_period_close"))) * prev(
               row(m, "provisional_paid_cny")) - row(m, "refunded_cny") + prev(row(m, "refunded_cny")),
           unit="CNY/month", flow=True, helper=False),
    ]


def disposal_tax_cny(m: Any, prefix: str, tax_gain_key: str) -> Any:
    """Tax on the horizon's disposal gain for tax (``tax_gain_key``) on the period chain: the period's
    tax with the gain − without it. A loss lowers it down to the period's own tax only. [CNY/month]"""
    income = m.row(prefix + "period_income_cny") - m.row(prefix + "losses_available_cny")
    return m.x(G + "tax_rate") * (maximum(0, income + m.row(tax_gain_key)) - maximum(0, income))
