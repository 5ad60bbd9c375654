"""Line groups both orchestrators share: income tax with loss carry-forward, the payback and
discounting chain of a cash-flow row, and the payback / NPV / IRR results read from it. Defined
once, included by ``heavy.py`` and ``light.py`` (keys and order are part of the workbook layout)."""

from __future__ import annotations

from finmodel.model import metrics, tax
from finmodel.model.engine import Item
from finmodel.model.expr import cummax, cumsum, prev, row_sum

G = "general."

Label = tuple[str, str]  # (English, 中文)


def income_tax(ebt_key: str = "ebt_cny") -> list[Item]:
    """Cumulative pre-tax profit, its running maximum, and the tax on its increase."""
    return [
        Item("cumulative_ebt_cny", "Cumulative pre-tax profit", "累计税前利润", "CNY",
             lambda m: cumsum(m.row(ebt_key)), helper=True),
        Item("taxed_base_cny", "Cumulative taxable profit", "累计应税利润", "CNY",
             lambda m: cummax(m.row("cumulative_ebt_cny")), helper=True),
        Item("tax_cny", "Income tax", "所得税", "CNY/month",
             lambda m: tax.income_tax_cny(m.x(G + "tax_rate"), m.row("taxed_base_cny"),
                                          prev(m.row("taxed_base_cny"))), flow=True),
    ]


def payback_chain(flow_key: str) -> list[Item]:
    """Cumulative flow and payback crossing, discount factor, discounted flow, its cumulative and
    the discounted payback crossing, for the cash-flow row ``flow_key``."""
    return [
        Item("cumulative_cash_flow_cny", "Cumulative cash flow", "累计现金流", "CNY",
             lambda m: cumsum(m.row(flow_key))),
        Item("payback_crossing", "Payback crossing", "回本时点", "months",
             lambda m: metrics.payback_crossing(m.row("cumulative_cash_flow_cny"), m.row(flow_key), m.t),
             fmt="months", helper=True),
        Item("discount_factor", "Discount factor", "折现系数", "fraction",
             lambda m: metrics.discount_factor(m.x(G + "discount_rate_per_year"), m.t), fmt="rate"),
        Item("discounted_cash_flow_cny", "Discounted cash flow", "折现现金流", "CNY/month",
             lambda m: m.row(flow_key) * m.row("discount_factor"), flow=True),
        Item("cumulative_discounted_cash_flow_cny", "Cumulative discounted cash flow", "累计折现现金流", "CNY",
             lambda m: cumsum(m.row("discounted_cash_flow_cny"))),
        Item("discounted_payback_crossing", "Discounted payback crossing", "折现回本时点", "months",
             lambda m: metrics.payback_crossing(m.row("cumulative_discounted_cash_flow_cny"),
                                                m.row("discounted_cash_flow_cny"), m.t), fmt="months", helper=True),
    ]


def payback_results(flow_key: str, payback: Label, discounted: Label, npv: Label, irr: Label) -> list[Item]:
    """Payback and discounted payback (from the rows of :func:`payback_chain`; NaN = "never"), then
    NPV and IRR of the cash-flow row ``flow_key`` (see :func:`returns`)."""
    return [
        Item("payback_months", *payback, "months",
             lambda m: metrics.payback_months(m.row("cumulative_cash_flow_cny"), m.row("payback_crossing")),
             kind="scalar", fmt="months", nan_means="never", lower_is_better=True),
        Item("discounted_payback_months", *discounted, "months",
             lambda m: metrics.payback_months(m.row("cumulative_discounted_cash_flow_cny"),
                                              m.row("discounted_payback_crossing")), kind="scalar", fmt="months",
             nan_means="never", lower_is_better=True),
        *returns(flow_key, npv, irr),
    ]


def returns(flow_key: str, npv: Label, irr: Label, prefix: str = "") -> list[Item]:
    """NPV at the general discount rate [CNY] and annual IRR [fraction/year; NaN = "none"] of the
    cash-flow row ``flow_key``, keyed ``{prefix}npv_cny`` and ``{prefix}irr``."""
    return [
        Item(prefix + "npv_cny", *npv, "CNY",
             lambda m: metrics.net_present_value_cny(m.x(G + "discount_rate_per_year"), m.row(flow_key)),
             kind="scalar"),
        Item(prefix + "irr", *irr, "fraction/year",
             lambda m: metrics.irr_per_year(m.row(flow_key)), kind="scalar", fmt="frac", nan_means="none"),
    ]


def total(key: str, en: str, zh: str) -> Item:
    """The horizon total of the monthly row ``key``. [CNY]"""
    return Item("total_" + key, en, zh, "CNY", lambda m: row_sum(m.row(key)), kind="scalar")
