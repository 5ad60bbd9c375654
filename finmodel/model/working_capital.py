"""Working capital (issue 12): receivable days on billed revenue, payable days on operating costs.

Cash follows a flow by ``days ÷ 30`` months (:data:`~finmodel.model.expr.DAYS_PER_MONTH`): 60 days =
two months; a fraction of a month splits each month's amount between the two months it straddles
(:func:`_lagged_items`). Balances roll forward (``cumsum``); the balance left at the horizon is collected
(receivables) or paid (payables) in the horizon month as a **settlement item** — in NPV and IRR, not
in payback, like the loan balance and the terminal value. Definitions: ``docs/deal_revenue.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from finmodel.model import expr
from finmodel.model.engine import Item
from finmodel.model.expr import DAYS_PER_MONTH, cumsum, floor, quote_sheet, row_max, where
from finmodel.model.sym import Sym, call, switch

if TYPE_CHECKING:
    from finmodel.model.expr import Num

W = "working_capital."


def lag(m: Any, key: str, months: Num) -> Num:
    """The row ``key`` ``months`` (a whole number ≥ 0, per scenario) earlier; 0 before its start.

    numpy: :func:`finmodel.model.expr.lag`. Excel: ``IF(t<k,0,INDEX(row,1,t+1−k))`` on the row's own range
    (month 0 is its first cell). Shape (..., T). [unit of the row]"""
    x = m.row(key)
    if isinstance(x, Sym):
        cell = m.layout[key]
        prefix = "" if cell.sheet == m.sheet else f"{quote_sheet(cell.sheet)}!"
        whole = Sym(f"{prefix}${m.first}${cell.row}:${m.last}${cell.row}")
        return switch(m.t < months, 0, call("INDEX", whole, 1, m.t + 1 - months))
    return expr.lag(x, months, m.t)  # numpy: a shift when the batch has one lag, else a gather


def lag_months(days: Num) -> Num:
    """Whole months of a lag of ``days`` (30 days a month). [months]"""
    return floor(days / DAYS_PER_MONTH)


def lag_fraction(days: Num) -> Num:
    """The fraction of a month beyond the whole months of ``days``: the share of a month's amount paid one
    month later still. [fraction]"""
    return days / DAYS_PER_MONTH - floor(days / DAYS_PER_MONTH)


def _lagged_items(prefix: str, flow: str, days: str, en: str, zh: str) -> list[Item]:
    """Cash of the row ``flow`` paid ``days`` later: (1 − f) × the row k months earlier + f × k + 1
    months earlier, with k + f = days ÷ 30; keys ``{prefix}_lag_months``, ``{prefix}_lag_fraction``,
    ``{prefix}_lagged_cny``, ``{prefix}_lagged_next_cny`` and ``{prefix}_cny`` (the cash, within the horizon)."""
    return [
        Item(prefix + "_lag_months", f"{en}: whole months of lag", f"{zh}：整月账期", "months",
             lambda m: lag_months(m.x(W + days)), kind="scalar", fmt="number"),
        Item(prefix + "_lag_fraction", f"{en}: fraction of a month more", f"{zh}：不足整月部分", "fraction",
             lambda m: lag_fraction(m.x(W + days)), kind="scalar", fmt="rate"),
        Item(prefix + "_lagged_cny", f"{en}: the amount k months earlier", f"{zh}：k个月前金额", "CNY/month",
             lambda m: lag(m, flow, m.row(prefix + "_lag_months")), helper=True, used_when="flag_working_capital"),
        Item(prefix + "_lagged_next_cny", f"{en}: the amount k + 1 months earlier", f"{zh}：k+1个月前金额", "CNY/month",
             lambda m: lag(m, flow, m.row(prefix + "_lag_months") + 1), helper=True, used_when="flag_working_capital"),
        Item(prefix + "_cny", en, zh, "CNY/month",
             lambda m: m.row("operating") * ((1 - m.row(prefix + "_lag_fraction")) * m.row(prefix + "_lagged_cny")
                                             + m.row(prefix + "_lag_fraction") * m.row(prefix + "_lagged_next_cny")),
             flow=True, used_when="flag_working_capital"),
    ]


# ---- line items ----------------------------------------------------------------------------------
SWITCHES: list[Item] = [
    Item("flag_working_capital", "Switch: receivable or payable days", "开关：应收或应付账期", "flag",
         lambda m: where(m.x(W + "receivable_days") + m.x(W + "payable_days") > 0, 1, 0), kind="scalar", fmt="flag",
         helper=True),
]

#: Receivables on billed revenue (``billed_cny``), payables on the operating costs (cash cost − surtaxes).
ITEMS: list[Item] = [
    Item("payable_cost_cny", "Operating costs paid on payable terms (cash cost − surtaxes)", "应付账期成本",
         "CNY/month", lambda m: m.row("cash_cost_cny") - m.row("surtax_cny"), flow=True),
    *_lagged_items("receivables_collected", "billed_cny", "receivable_days", "Receivables collected", "应收账款回款"),
    Item("receivables_increase_cny", "Increase in receivables", "应收账款增加", "CNY/month",
         lambda m: m.row("billed_cny") - m.row("receivables_collected_cny"), flow=True,
         used_when="flag_working_capital"),
    Item("receivables_before_settlement_cny", "Receivables before the horizon's settlement", "结算前应收账款", "CNY",
         lambda m: cumsum(m.row("receivables_increase_cny")), helper=True, used_when="flag_working_capital"),
    Item("receivables_settled_cny", "Receivables collected at the horizon (settlement)", "期末收回应收账款",
         "CNY/month", lambda m: m.row("horizon_end") * m.row("receivables_before_settlement_cny"), flow=True,
         used_when="flag_working_capital"),
    Item("receivables_cny", "Receivables (balance)", "应收账款余额", "CNY",
         lambda m: cumsum(m.row("receivables_increase_cny") - m.row("receivables_settled_cny")),
         used_when="flag_working_capital"),
    *_lagged_items("payables_paid", "payable_cost_cny", "payable_days", "Payables paid", "应付账款付款"),
    Item("payables_increase_cny", "Increase in payables", "应付账款增加", "CNY/month",
         lambda m: m.row("payable_cost_cny") - m.row("payables_paid_cny"), flow=True, used_when="flag_working_capital"),
    Item("payables_before_settlement_cny", "Payables before the horizon's settlement", "结算前应付账款", "CNY",
         lambda m: cumsum(m.row("payables_increase_cny")), helper=True, used_when="flag_working_capital"),
    Item("payables_settled_cny", "Payables paid at the horizon (settlement)", "期末支付应付账款", "CNY/month",
         lambda m: m.row("horizon_end") * m.row("payables_before_settlement_cny"), flow=True,
         used_when="flag_working_capital"),
    Item("payables_cny", "Payables (balance)", "应付账款余额", "CNY",
         lambda m: cumsum(m.row("payables_increase_cny") - m.row("payables_settled_cny")),
         used_when="flag_working_capital"),
]

#: After the VAT cash lines: the operating working-capital cash, the horizon's settlement, receipts
#: and the net working capital.
NET: list[Item] = [
    Item("working_capital_cash_cny", "Working capital: prepayment and deposit in, receivables up, payables up",
         "营运资金现金流", "CNY/month",
         lambda m: m.row("prepayment_received_cny") - m.row("prepayment_released_cny") + m.row("deposit_flow_cny")
         - m.row("receivables_increase_cny") + m.row("payables_increase_cny"), flow=True),
    Item("working_capital_settlement_cny", "Receivables collected − payables paid + VAT credit refunded at the horizon",
         "期末营运资金结算", "CNY/month",
         lambda m: m.row("receivables_settled_cny") - m.row("payables_settled_cny") + m.row("vat_credit_refunded_cny"),
         flow=True),
    Item("cash_receipts_cny", "Cash received from customers (VAT-exclusive)", "客户回款(不含税)", "CNY/month",
         lambda m: m.row("prepayment_received_cny") + where(
             m.row("flag_working_capital"), m.row("receivables_collected_cny") + m.row("receivables_settled_cny"),
             m.row("billed_cny")), flow=True),
    Item("working_capital_cny", "Working capital (receivables + VAT credit − payables − deferred revenue − deposit)",
         "营运资金占用", "CNY",
         lambda m: m.row("receivables_cny") + m.row("vat_credit_cny") - m.row("payables_cny")
         - m.row("deferred_revenue_cny") - m.row("customer_deposit_cny")),
]

RESULTS: list[Item] = [
    Item("peak_working_capital_cny", "Working capital at peak", "营运资金峰值", "CNY",
         lambda m: row_max(m.row("working_capital_cny")), kind="scalar"),
]
