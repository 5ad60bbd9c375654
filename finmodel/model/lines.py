"""Line groups both orchestrators share: income tax with loss carry-forward, and the payback
and discounting chain of a cash-flow row. Defined once, included by ``heavy.py`` and ``light.py``
(keys and order are part of the workbook layout)."""

from __future__ import annotations

from finmodel.model import metrics, tax
from finmodel.model.engine import Item
from finmodel.model.expr import cummax, cumsum, prev

G = "general."


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
