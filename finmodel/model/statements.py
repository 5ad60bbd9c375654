"""The three statements as line items — income statement, cash-flow statement, balance sheet with
its balance check — and the calendar of the timeline, for the heavy and the light model.

Included at the end of each model's item list (``ITEMS += statements.heavy(ITEMS)``); every line is
an :class:`~finmodel.model.engine.Item`, so numpy computes it and the workbook renders it as a live
formula. The definitions (``docs/model.md``, *Statements*):

* **Shareholders fund every shortfall and receive every surplus.** The company keeps its cash at the
  stated minimum, 0: each month the shareholders contribute what the month's operating, investing
  and debt cash flows lack and receive what they leave. That net flow is the model's equity cash
  flow incl. settlements (``equity_cash_flow_with_terminal_cny``; light: ``cash_flow_cny``), the row
  NPV and IRR read. Closing cash = opening cash + net change in cash, which is 0 every month exactly
  when the statements' cash flows equal the model's equity flow (a check in itself).
* **Paid-in equity** is net of distributions: −Σ equity flows (contributions − distributions);
  **retained earnings** = Σ net income. Distributions are not split into dividends and returns of
  capital.
* **The horizon is a liquidation** (heavy): in the horizon month the servers are sold at the
  terminal value — the gain or loss against book value and its tax in the income statement (below
  net income from operations), the proceeds in investing, the book value out of fixed assets — the
  loan balance is repaid (financing) and the proceeds distributed. The closing balance sheet of the
  horizon is empty. The light model holds its platform at book value at the horizon (no disposal).
* **Each balance is a roll-forward of the flows** (``cumsum``): fixed assets = Σ (capex −
  depreciation − book value disposed); debt = Σ (drawdown + interest capitalised − principal −
  balance repaid at the horizon), the debt corkscrew's closing balance (``finmodel.model.debt``).
  So the balance check (assets − liabilities − equity = 0) holds only if every flow is on both
  sides, and it keeps holding after a row's horizon (every flow there is 0).

Extension points (issue 12: working capital, VAT, deferred revenue, deposits, capitalised interest,
fees, grants): each statement's lines are the tables of signed parts below (``OPERATING``,
``INVESTING``, ``DEBT``, ``ASSETS``, ``LIABILITIES``). A new balance-sheet line is a roll-forward of
its flows added to ``ASSETS``/``LIABILITIES`` **and** the same flows with the cash sign added to a
cash-flow table; the check (and ``tests/test_statements.py`` on every preset and 60 random
scenarios) then proves the pair is complete.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from finmodel.model import periods
from finmodel.model.engine import Item
from finmodel.model.expr import cumsum, maximum, prev, where

G = "general."

#: A statement line's part: (row key, +1 to add / −1 to subtract).
Part = tuple[str, int]


@dataclass(frozen=True)
class Line:
    """A statement line: the signed sum of ``parts`` each month (a flow), or its running total (a
    balance, ``balance=True``: a roll-forward of the flows)."""

    key: str
    en: str
    zh: str
    parts: tuple[Part, ...]
    balance: bool = False

    def item(self) -> Item:
        if self.balance:
            return Item(self.key, self.en, self.zh, "CNY", lambda m: cumsum(signed(m, self.parts)))
        return Item(self.key, self.en, self.zh, "CNY/month", lambda m: signed(m, self.parts), flow=True)


def signed(m: Any, parts: Sequence[Part]) -> Any:
    """The sum of the rows of ``parts`` with their signs (the first part's sign included)."""
    total: Any = None
    for key, sign in parts:
        v = m.row(key)
        if total is None:
            total = v if sign > 0 else -v
        else:
            total = total + v if sign > 0 else total - v
    return total


def _flag(cond: Any) -> Any:
    return where(cond, 1, 0)


def calendar() -> list[Item]:
    """Period dates and fiscal-year flags of every timeline column (:mod:`finmodel.model.periods`)."""
    return [
        Item("start_month_number", "Purchase month (month number 12 × year + month − 1)", "购置月份(月序号)",
             "month number", lambda m: m.x(G + "start_date"), kind="scalar", fmt="number"),
        Item("month_number", "Calendar month (month number)", "日历月序号", "month number",
             lambda m: periods.month_number(m.row("start_month_number"), m.t), fmt="number", helper=True),
        Item("calendar_year", "Calendar year", "日历年", "year",
             lambda m: periods.calendar_year(m.row("month_number")), fmt="number", helper=True),
        Item("calendar_month", "Month of the year", "月份", "month",
             lambda m: periods.calendar_month(m.row("month_number"), m.row("calendar_year")), fmt="number",
             helper=True),
        Item("fiscal_year", "Fiscal year (named by the year it ends in)", "财年(以结束年份命名)", "year",
             lambda m: periods.fiscal_year(m.row("calendar_year"), m.row("calendar_month"),
                                           m.x(G + "fiscal_year_start_month")), fmt="number", helper=True),
        Item("fiscal_month", "Month of the fiscal year", "财年内月份", "month",
             lambda m: periods.fiscal_month(m.row("calendar_month"), m.x(G + "fiscal_year_start_month")),
             fmt="number", helper=True),
        Item("fiscal_year_close", "Fiscal year close (or the horizon)", "财年末(或测算期末)", "flag",
             lambda m: periods.year_close(m.row("fiscal_month"), m.t, m.x(G + "horizon_months")), fmt="flag",
             helper=True),
    ]


# ---- heavy asset --------------------------------------------------------------------------------
#: Net income for the statements: from operations, then the horizon disposal (gain and its tax).
HEAVY_NET_INCOME = Line("net_income_after_disposal_cny", "Net income incl. the horizon disposal", "净利润(含期末处置)",
                        (("net_income_cny", 1), ("disposal_gain_cny", 1), ("disposal_tax_cny", -1)))
#: Cash from operations, indirect: net income, non-cash items back. Issue 12 adds here: working
#: capital (− increase in receivables, + increase in deferred revenue and deposits received), net VAT
#: cash (− increase in the VAT credit); interest capitalised (+, not paid) and the upfront fee (+: expensed,
#: paid in financing) are in (issue 12, debt.py).
HEAVY_OPERATING: tuple[Part, ...] = (("net_income_after_disposal_cny", 1), ("depreciation_cny", 1),
                                     ("disposal_gain_cny", -1), ("working_capital_cash_cny", 1), ("vat_cash_cny", 1),
                                     ("working_capital_settlement_cny", 1), ("capitalised_interest_cny", 1),
                                     ("debt_fee_cny", 1))
#: Cash from investing: lease deposits paid (−) and returned (+) are in (debt.py).
HEAVY_INVESTING: tuple[Part, ...] = (("investment_cny", -1), ("terminal_value_cny", 1), ("lease_deposit_paid_cny", -1),
                                     ("lease_deposit_returned_cny", 1))
#: The debt's roll-forward: the change of the corkscrew's closing balance (drawdown and capitalised
#: interest up, principal down: ``debt_flow_cny``) and the balance repaid at the horizon; within the
#: horizon it is the corkscrew's closing balance ``loan_balance_cny`` (tests/test_statements.py).
HEAVY_DEBT_BALANCE: tuple[Part, ...] = (("debt_flow_cny", 1), ("settlement_cny", 1))
#: Debt cash drawn and repaid: the roll-forward's flows without the interest capitalised (not cash;
#: added back in operating), and the upfront fee paid (expensed in net income, added back there).
HEAVY_DEBT: tuple[Part, ...] = (*HEAVY_DEBT_BALANCE, ("capitalised_interest_cny", -1), ("debt_fee_cny", -1))


def _cash_flow(operating: tuple[Part, ...], investing: tuple[Part, ...], debt: tuple[Part, ...],
               equity_flow: str) -> list[Item]:
    """The cash-flow statement: operating, investing, financing (debt, equity contributions and
    distributions), net change and the cash roll-forward."""
    fin: tuple[Part, ...] = ((("debt_cash_flow_cny", 1),) if debt else ()) + (
        ("equity_contribution_cny", 1), ("equity_distribution_cny", -1))
    lines = [Line("operating_cash_flow_cny", "Cash from operations", "经营活动现金流量净额", operating),
             Line("investing_cash_flow_cny", "Cash from investing", "投资活动现金流量净额", investing)]
    if debt:
        lines.append(Line("debt_cash_flow_cny", "Debt drawn (+) / repaid (−)", "借款取得(+)/偿还(−)", debt))
    return [
        *(line.item() for line in lines),
        Item("equity_contribution_cny", "Equity contributed (shareholders fund the shortfall)",
             "股东投入(补足资金缺口)", "CNY/month", lambda m: maximum(0, -m.row(equity_flow)), flow=True),
        Item("equity_distribution_cny", "Distributed to shareholders (the surplus)", "向股东分配(全部盈余)",
             "CNY/month", lambda m: maximum(0, m.row(equity_flow)), flow=True),
        Line("financing_cash_flow_cny", "Cash from financing", "筹资活动现金流量净额", fin).item(),
        Line("net_cash_flow_cny", "Net change in cash", "现金净增加额",
             (("operating_cash_flow_cny", 1), ("investing_cash_flow_cny", 1), ("financing_cash_flow_cny", 1))).item(),
        Line("closing_cash_cny", "Closing cash (kept at the minimum, 0)", "期末现金余额(保持最低额0)",
             (("net_cash_flow_cny", 1),), balance=True).item(),
        Item("opening_cash_cny", "Opening cash", "期初现金余额", "CNY", lambda m: prev(m.row("closing_cash_cny"))),
    ]


def _balance_sheet(assets: tuple[Line, ...], liabilities: tuple[Line, ...], net_income: str) -> list[Item]:
    """Balance sheet: the asset and liability roll-forwards, equity, totals and the balance check.

    Equity rolls forward as a whole (opening + net income + contributions − distributions), and is
    split into retained earnings (Σ net income) and paid-in equity (the rest: Σ contributions −
    distributions). The two parts each grow with every month's profit and payout; their sum moves
    only as much as the assets, so the check is not lost in the rounding of two large totals."""
    equity = (Line("retained_earnings_cny", "Retained earnings", "留存收益", ((net_income, 1),), balance=True),
              Line("total_equity_cny", "Total equity", "所有者权益合计",
                   ((net_income, 1), ("equity_contribution_cny", 1), ("equity_distribution_cny", -1)), balance=True),
              Line("paid_in_equity_cny", "Paid-in equity (net of distributions)", "实收资本(扣除分配)",
                   (("total_equity_cny", 1), ("retained_earnings_cny", -1))))
    totals = [Line("total_assets_cny", "Total assets", "资产合计",
                   (("closing_cash_cny", 1), *((a.key, 1) for a in assets)))]
    check: list[Part] = [("total_assets_cny", 1)]
    if liabilities:
        totals.append(Line("total_liabilities_cny", "Total liabilities", "负债合计",
                           tuple((x.key, 1) for x in liabilities)))
        check.append(("total_liabilities_cny", -1))
    check.append(("total_equity_cny", -1))
    out = [line.item() for line in (*assets, *liabilities)]
    out += [_balance(line) for line in (*totals, *equity)]
    out.append(_balance(Line("balance_check_cny", "Balance check: assets − liabilities − equity (0)",
                             "平衡校验：资产−负债−权益(0)", tuple(check))))
    return out


def _balance(line: Line) -> Item:
    """A balance-sheet line: its roll-forward, or (``balance=False``) the signed sum of other
    balances. [CNY]"""
    if line.balance:
        return line.item()
    return Item(line.key, line.en, line.zh, "CNY", lambda m: signed(m, line.parts))


#: Balance-sheet assets other than cash (roll-forwards). Issue 12 adds: receivables, VAT credit (the
#: lease deposit is in).
HEAVY_ASSETS: tuple[Line, ...] = (
    Line("net_fixed_assets_cny", "Net fixed assets", "固定资产净值",
         (("investment_cny", 1), ("depreciation_cny", -1), ("disposal_book_value_cny", -1)), balance=True),
    Line("accounts_receivable_cny", "Accounts receivable", "应收账款",
         (("receivables_increase_cny", 1), ("receivables_settled_cny", -1)), balance=True),
    Line("vat_credit_asset_cny", "Input VAT to be credited (留抵)", "待抵扣进项税额",
         (("vat_cash_cny", -1), ("vat_credit_refunded_cny", -1)), balance=True),
    Line("lease_deposit_cny", "Lease deposit with the lessor", "租赁保证金",
         (("lease_deposit_paid_cny", 1), ("lease_deposit_returned_cny", -1)), balance=True),
)
#: Liabilities (roll-forwards). Issue 12 adds: deferred revenue, deposits received, tax payable (the
#: debt is in: the roll-forward of the corkscrew, capitalised interest included).
HEAVY_LIABILITIES: tuple[Line, ...] = (
    Line("debt_balance_cny", "Debt", "借款余额", HEAVY_DEBT_BALANCE, balance=True),
    Line("accounts_payable_cny", "Accounts payable", "应付账款",
         (("payables_increase_cny", 1), ("payables_settled_cny", -1)), balance=True),
    Line("contract_liabilities_cny", "Deferred revenue (prepayment, 合同负债)", "合同负债(预收款)",
         (("prepayment_received_cny", 1), ("prepayment_released_cny", -1)), balance=True),
    Line("deposits_received_cny", "Customer deposits held", "客户押金",
         (("deposit_flow_cny", 1),), balance=True),
)


def _coverage(before: Sequence[Item]) -> list[Item]:
    """CFADS (EBITDA − income tax, as the portfolio's company lines define it) and scheduled debt
    service (interest + scheduled principal) for the annual DSCR — unless the model already defines
    them (issue 12's coverage lines will, with the same keys and meaning: then these are not added)."""
    have = {i.key for i in before}
    out = []
    if "cfads_cny" not in have:
        out.append(Item("cfads_cny", "Cash flow available for debt service (EBITDA − tax)", "可用于偿债的现金流",
                        "CNY/month", lambda m: m.row("ebitda_cny") - m.row("tax_cny"), flow=True))
    if "debt_service_cny" not in have:
        out.append(Item("debt_service_cny", "Debt service (interest + scheduled principal)", "偿债额(付息+还本)",
                        "CNY/month", lambda m: m.row("interest_cny") - where(m.t < 1, 0, m.row("debt_flow_cny")),
                        flow=True))
    return out


def heavy(before: Sequence[Item]) -> list[Item]:
    """The heavy model's calendar and statements, after its items ``before``."""
    have = {i.key for i in before}
    return [
        *(i for i in calendar() if i.key not in have),  # the heavy model's tax chain reads the calendar earlier
        Item("disposal_book_value_cny", "Book value disposed at the horizon", "期末处置资产账面净值", "CNY/month",
             lambda m: m.row("horizon_end") * m.row("book_value_cny"), flow=True),
        HEAVY_NET_INCOME.item(),
        *_coverage(before),
        *_cash_flow(HEAVY_OPERATING, HEAVY_INVESTING, HEAVY_DEBT, "equity_cash_flow_with_terminal_cny"),
        *_balance_sheet(HEAVY_ASSETS, HEAVY_LIABILITIES, HEAVY_NET_INCOME.key),
    ]


# ---- light asset --------------------------------------------------------------------------------
LIGHT_OPERATING: tuple[Part, ...] = (("net_income_cny", 1), ("amortisation_cny", 1))
LIGHT_INVESTING: tuple[Part, ...] = (("investment_cny", -1),)
LIGHT_ASSETS: tuple[Line, ...] = (
    Line("net_fixed_assets_cny", "Platform, net of amortisation", "平台资产净值",
         (("investment_cny", 1), ("amortisation_cny", -1)), balance=True),
)


def light(before: Sequence[Item]) -> list[Item]:
    """The light model's calendar and statements (no debt, no disposal: the platform stays on the
    balance sheet at book value), after its items ``before``."""
    del before  # the light model has no lines of its own to yield to yet
    return [
        *calendar(),
        *_cash_flow(LIGHT_OPERATING, LIGHT_INVESTING, (), "cash_flow_cny"),
        *_balance_sheet(LIGHT_ASSETS, (), "net_income_cny"),
    ]
