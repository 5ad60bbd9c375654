"""Line groups the orchestrators share: income tax with loss carry-forward (and the tax on a
horizon-end disposal gain), the payback and discounting chain of a cash-flow row, the payback /
NPV / IRR results read from it, the project discount rate, peak funding and MOIC. Defined once,
included by ``heavy.py``, ``light.py`` and the portfolio's company model (``portfolio_items.py``)
(keys and order are part of the workbook layout); a ``prefix`` gives a second chain its own keys
(``project_tax_cny``, ``project_payback_months``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from finmodel.model import metrics, tax, tax_statute
from finmodel.model.engine import Item
from finmodel.model.expr import (
    NOT_APPLICABLE,
    cummax,
    cumsum,
    is_blank,
    prev,
    row_count,
    row_min,
    row_sum,
    select,
    where,
)

G = "general."

Label = tuple[str, str]  # (English, 中文)
Rate = Callable[[Any], Any]  # m → an annual discount rate (an input or a per-scenario item)


def equity_rate(m: Any) -> Any:
    """The general (equity) discount rate. [fraction/year]"""
    return m.x(G + "discount_rate_per_year")


def project_rate(m: Any) -> Any:
    """The project discount rate in use (the item of :func:`project_discount_rate`). [fraction/year]"""
    return m.row("project_discount_rate_per_year")


def project_discount_rate() -> Item:
    """``general.project_discount_rate_per_year`` if written, else the equity rate. [fraction/year]"""
    return Item("project_discount_rate_per_year", "Project discount rate", "项目折现率", "fraction/year",
                lambda m: where(is_blank(m.x(G + "project_discount_rate_per_year")), equity_rate(m),
                                m.x(G + "project_discount_rate_per_year")), kind="scalar", fmt="frac")


def income_tax(ebt_key: str = "ebt_cny", prefix: str = "", base: Label = ("pre-tax profit", "税前利润"),
               adjust_key: str = "") -> list[Item]:
    """Cumulative taxable profit (the row ``ebt_key``, named ``base``), its running maximum, and the
    tax on its increase; keys ``{prefix}cumulative_ebt_cny``, ``{prefix}taxed_base_cny``,
    ``{prefix}tax_cny``. With ``adjust_key`` (the heavy model's ``tax_adjustment_cny``) the statute's
    chain: taxable income before losses = ``ebt_key`` + the adjustment (``{prefix}taxable_income_cny``),
    and the tax by tax period with expiring losses (:func:`tax_statute.period_chain`) where
    ``flag_tax_periods`` is 1."""
    en, zh = base
    tax_en, tax_zh = ("Income tax", "所得税") if not prefix else (f"Income tax on {en} (unlevered)",
                                                                 f"所得税（按{zh}，无杠杆）")
    income = prefix + "taxable_income_cny" if adjust_key else ebt_key
    closed_flag = "tax_closed_form" if adjust_key else ""  # the statute's chain replaces the closed form
    statute = [Item(income, f"Taxable income before losses ({en} + tax adjustment)",
                    f"弥补亏损前应纳税所得（{zh}+纳税调整）",
                    "CNY/month", lambda m: select(m.row("flag_tax_book_own"),
                                                  lambda: m.row(ebt_key) + m.row(adjust_key), lambda: m.row(ebt_key)),
                    flow=True)] if adjust_key else []
    closed = [
        Item(prefix + "cumulative_ebt_cny", f"Cumulative {en}" + (" + tax adjustment" if adjust_key else ""),
             f"累计{zh}" + ("（含纳税调整）" if adjust_key else ""), "CNY", lambda m: cumsum(m.row(income)),
             helper=True, used_when=closed_flag),
        Item(prefix + "taxed_base_cny", "Cumulative taxable profit" + (f" ({en})" if prefix else ""),
             "累计应税利润" + (f"（{zh}）" if prefix else ""), "CNY",
             lambda m: cummax(m.row(prefix + "cumulative_ebt_cny")), helper=True, used_when=closed_flag),
    ]

    def closed_tax(m: Any) -> Any:
        return tax.income_tax_cny(m.x(G + "tax_rate"), m.row(prefix + "taxed_base_cny"),
                                  prev(m.row(prefix + "taxed_base_cny")))

    if not adjust_key:
        return [*closed, Item(prefix + "tax_cny", tax_en, tax_zh, "CNY/month", closed_tax, flow=True)]
    return [*statute, *closed, *tax_statute.period_chain(income, prefix),
            Item(prefix + "tax_cny", tax_en, tax_zh, "CNY/month",
                 lambda m: select(m.row("flag_tax_periods"), lambda: m.row(prefix + "period_tax_cny"),
                                  lambda: closed_tax(m)),
                 flow=True)]


def disposal_tax(gain_key: str, prefix: str = "", tax_gain_key: str = "") -> Item:
    """Tax on the horizon-end disposal gain (negative for a loss, down to the month's own taxable
    profit), on the tax chain of :func:`income_tax` with the same ``prefix``. With ``tax_gain_key``
    (the gain against the tax book value) the statute's chain's version where ``flag_tax_periods``
    is 1. [CNY/month]"""
    gain = tax_gain_key or gain_key

    def closed(m: Any) -> Any:
        return tax.disposal_tax_cny(m.x(G + "tax_rate"), m.row(prefix + "cumulative_ebt_cny"),
                                    m.row(prefix + "taxed_base_cny"), prev(m.row(prefix + "taxed_base_cny")),
                                    m.row(gain))

    def fn(m: Any) -> Any:
        if not tax_gain_key:
            return m.row("horizon_end") * closed(m)
        return m.row("horizon_end") * select(m.row("flag_tax_periods"),
                                             lambda: tax_statute.disposal_tax_cny(m, prefix, tax_gain_key),
                                             lambda: closed(m))

    return Item(prefix + "disposal_tax_cny", "Tax on disposal gain" + (" (project)" if prefix else ""),
                "处置损益所得税" + ("（项目）" if prefix else ""), "CNY/month", fn, flow=True)


def settlement_tail(gain_key: str = "disposal_gain_cny", tax_gain_key: str = "",
                    extra: tuple[str, ...] = ()) -> list[Item]:
    """The horizon-end valuation tail shared by a scenario and a portfolio's company: the disposal
    tax on both tax chains (equity and project; on ``tax_gain_key``, the gain for tax, where given),
    the terminal value after tax, the equity and project
    cash flows with settlements and terminal value (the rows NPV and IRR read), and the project payback
    chain. Needs ``terminal_value_cny``, ``settlement_cny``, ``equity_cash_flow_cny`` and
    ``project_cash_flow_cny`` above it; ``extra``: further settlement rows (working capital collected
    and paid at the horizon) added to both flows. [CNY/month]"""
    def plus_extra(m: Any, flow: Any) -> Any:
        for key in extra:
            flow = flow + m.row(key)
        return flow

    return [
        disposal_tax(gain_key, tax_gain_key=tax_gain_key),
        disposal_tax(gain_key, prefix="project_", tax_gain_key=tax_gain_key),
        Item("terminal_value_after_tax_cny", "Terminal value after tax", "期末残值(税后)", "CNY/month",
             lambda m: m.row("terminal_value_cny") - m.row("disposal_tax_cny"), flow=True),
        Item("equity_cash_flow_with_terminal_cny", "Equity cash flow incl. settlements and terminal value",
             "股东现金流(含期末结算与残值)", "CNY/month",
             lambda m: plus_extra(m, m.row("equity_cash_flow_cny") + m.row("settlement_cny")
                                  + m.row("terminal_value_after_tax_cny")), flow=True),
        Item("project_cash_flow_with_terminal_cny", "Project cash flow incl. terminal value", "项目现金流(含残值)",
             "CNY/month", lambda m: plus_extra(m, m.row("project_cash_flow_cny") + m.row("terminal_value_cny")
                                               - m.row("project_disposal_tax_cny")), flow=True),
        *payback_chain("project_cash_flow_cny", prefix="project_", rate=project_rate),
    ]


def payback_chain(flow_key: str, prefix: str = "", rate: Rate = equity_rate) -> list[Item]:
    """Cumulative flow and payback crossing, discount factor (at ``rate``), discounted flow, its
    cumulative and the discounted payback crossing, for the cash-flow row ``flow_key``."""
    p = prefix
    name_en, name_zh = ("Project ", "项目") if prefix else ("", "")
    return [
        Item(p + "cumulative_cash_flow_cny", f"{name_en}Cumulative cash flow".capitalize(), f"{name_zh}累计现金流",
             "CNY", lambda m: cumsum(m.row(flow_key))),
        Item(p + "payback_crossing", f"{name_en}Payback crossing".capitalize(), f"{name_zh}回本时点", "months",
             lambda m: metrics.payback_crossing(m.row(p + "cumulative_cash_flow_cny"), m.row(flow_key), m.t),
             fmt="months", helper=True),
        Item(p + "discount_factor", f"{name_en}Discount factor".capitalize(), f"{name_zh}折现系数", "fraction",
             lambda m: metrics.discount_factor(rate(m), m.t), fmt="rate"),
        Item(p + "discounted_cash_flow_cny", f"{name_en}Discounted cash flow".capitalize(), f"{name_zh}折现现金流",
             "CNY/month", lambda m: m.row(flow_key) * m.row(p + "discount_factor"), flow=True),
        Item(p + "cumulative_discounted_cash_flow_cny", f"{name_en}Cumulative discounted cash flow".capitalize(),
             f"{name_zh}累计折现现金流", "CNY", lambda m: cumsum(m.row(p + "discounted_cash_flow_cny"))),
        Item(p + "discounted_payback_crossing", f"{name_en}Discounted payback crossing".capitalize(),
             f"{name_zh}折现回本时点", "months",
             lambda m: metrics.payback_crossing(m.row(p + "cumulative_discounted_cash_flow_cny"),
                                                m.row(p + "discounted_cash_flow_cny"), m.t), fmt="months", helper=True),
    ]


def payback_results(flow_key: str, payback: Label, discounted: Label, npv: Label, irr: Label, *, prefix: str = "",
                    rate: Rate = equity_rate, na_when: str = "") -> list[Item]:
    """Payback and discounted payback (from the rows of :func:`payback_chain` with ``prefix``;
    NaN = "never", or "n/a" where the flag ``na_when`` is 1), then NPV at ``rate`` and IRR of the
    cash-flow row ``flow_key`` (see :func:`returns`)."""
    p = prefix

    def guarded(value: Any, m: Any) -> Any:
        return where(m.row(na_when), NOT_APPLICABLE, value) if na_when else value

    return [
        Item(p + "payback_months", *payback, "months",
             lambda m: guarded(metrics.payback_months(m.row(p + "cumulative_cash_flow_cny"),
                                                      m.row(p + "payback_crossing")), m),
             kind="scalar", fmt="months", nan_means="never", lower_is_better=True, na_when=na_when),
        Item(p + "discounted_payback_months", *discounted, "months",
             lambda m: guarded(metrics.payback_months(m.row(p + "cumulative_discounted_cash_flow_cny"),
                                                      m.row(p + "discounted_payback_crossing")), m),
             kind="scalar", fmt="months", nan_means="never", lower_is_better=True, na_when=na_when),
        *returns(flow_key, npv, irr, prefix=p, rate=rate),
    ]


def returns(flow_key: str, npv: Label, irr: Label, prefix: str = "", rate: Rate = equity_rate) -> list[Item]:
    """NPV at ``rate`` (default: the general discount rate) [CNY] and annual IRR [fraction/year;
    NaN = "none"] of the cash-flow row ``flow_key``, keyed ``{prefix}npv_cny`` and ``{prefix}irr``."""
    return [
        Item(prefix + "npv_cny", *npv, "CNY",
             lambda m: metrics.net_present_value_cny(rate(m), m.row(flow_key)), kind="scalar"),
        Item(prefix + "irr", *irr, "fraction/year",
             lambda m: metrics.irr_per_year(m.row(flow_key)), kind="scalar", fmt="frac", nan_means="none"),
    ]


def peak_funding() -> list[Item]:
    """Peak funding (−min(0, lowest cumulative operating equity cash flow), a positive amount, from
    the ``cumulative_cash_flow_cny`` row of the unprefixed :func:`payback_chain`) and the flag row
    "reached by this month" that :func:`peak_funding_month` counts."""
    return [
        Item("peak_funding_cny", "Peak funding", "最大资金占用", "CNY",
             lambda m: metrics.peak_funding_cny(row_min(m.row("cumulative_cash_flow_cny"))), kind="scalar"),
        Item("peak_funding_reached", "Peak funding reached", "已达最大资金占用", "flag",
             lambda m: cummax(where(m.row("cumulative_cash_flow_cny") <= -m.row("peak_funding_cny"), 1, 0)),
             fmt="flag", helper=True),
    ]


def peak_funding_month() -> Item:
    """The first month in which peak funding is reached (n/a when it is 0). [month]"""
    return Item("peak_funding_month", "Month of peak funding", "最大资金占用月份", "month",
                lambda m: where(m.row("peak_funding_cny") > 0,
                                row_count(m.row("peak_funding_reached")) - row_sum(m.row("peak_funding_reached")),
                                NOT_APPLICABLE), kind="scalar", fmt="number")


def moic(flow_key: str) -> Item:
    """Cash returned ÷ peak funding = (Σ ``flow_key`` — the equity flow incl. settlements and terminal
    value — + peak funding) ÷ peak funding; n/a without funding. [×]"""
    return Item("moic", "MOIC (cash returned ÷ peak funding)", "资金回报倍数(MOIC)", "×",
                lambda m: metrics.ratio(row_sum(m.row(flow_key)) + m.row("peak_funding_cny"),
                                        m.row("peak_funding_cny")), kind="scalar", fmt="number")


def total(key: str, en: str, zh: str) -> Item:
    """The horizon total of the monthly row ``key``. [CNY]"""
    return Item("total_" + key, en, zh, "CNY", lambda m: row_sum(m.row(key)), kind="scalar")
