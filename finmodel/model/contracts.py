"""Customer contracts (issue 12, revenue side): a contracted share of the fleet billed take-or-pay at
its own price, the rest on demand; prepayment (deferred revenue) and a customer deposit.

Pure functions first (units in the docstrings), then the line items ``heavy.py`` includes:
:data:`SWITCHES` and :data:`SCALARS` before the heavy scalars, :func:`revenue_items` in place of the
single rental-revenue line, :data:`BALANCES` with the cash-flow lines. Timing: the contract is signed
at month 0 (the purchase), billed from service month ``contract.start_month`` for
``contract.term_months``; the prepayment and the deposit are received at month 0, the deposit
returned in the contract's last month. Definitions and sources: ``docs/deal_revenue.md``.

Revenue in the P&L is VAT-exclusive: with VAT on and prices entered 含税, every price is divided by
1 + the output rate (:func:`net_of_vat_factor`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from finmodel.model import flags
from finmodel.model.engine import Item
from finmodel.model.expr import MONTHS_PER_YEAR, cumsum, eq, land, row_sum, safe_div, where

if TYPE_CHECKING:
    from finmodel.model.expr import Num

C, H, S, V = "contract.", "heavy.", "service.", "vat."


# ---- pure functions --------------------------------------------------------------------------------
def net_of_vat_factor(vat_on: Num, exclusive: Num, rate: Num) -> Num:
    """What a price as entered is worth net of VAT: 1 ÷ (1 + rate) for a VAT-inclusive price (not
    ``exclusive``) with VAT on, else 1. [×]"""
    return where(land(vat_on, exclusive < 1), 1 / (1 + rate), 1)


def price_cny_per_server_month(price: Num, is_card_hour: Num, is_p_year: Num, card_hour_as_server_month: Num,
                               p_year_as_server_month: Num) -> Num:
    """A contract price in CNY per server-month from its unit: per card-hour × cards × hours a month;
    per P-year × P per server ÷ 12; per server-month as it is (7万元/台/月). [CNY/server-month]"""
    return where(is_card_hour, card_hour_as_server_month, where(is_p_year, p_year_as_server_month, price))


def in_term(service_month: Num, start: Num, term: Num) -> Num:
    """1 in the contract's billed service months start … start + term − 1, else 0. [flag]"""
    return where(land(service_month >= start, service_month <= start + term - 1), 1, 0)


def after_term(service_month: Num, start: Num, term: Num) -> Num:
    """1 in the service months after the contract's last one, else 0. [flag]"""
    return where(service_month > start + term - 1, 1, 0)


def service_factor(availability: Num, sla_credit_share: Num) -> Num:
    """Billable share of contracted revenue: availability × (1 − SLA credits). [fraction]"""
    return availability * (1 - sla_credit_share)


def deposit_flow_cny(deposit: Num, t: Num, end_month: Num) -> Num:
    """The customer deposit: + at signing (month 0), − in the contract's last month. [CNY/month]"""
    return where(t < 1, deposit, 0) - where(eq(t, end_month), deposit, 0)


# ---- line items --------------------------------------------------------------------------------------
def _x(m, name: str) -> Num:
    return m.x(C + name)


SWITCHES: list[Item] = [
    *flags.flags(C + "price_unit", {"card_hour": "flag_contract_card_hour", "p_year": "flag_contract_p_year"}),
    *flags.flags(C + "after_term", {"renew": "flag_contract_renews"}),
    *flags.flags(V + "mode", {"on": "flag_vat"}),
    *flags.flags(V + "prices_include_vat", {"exclusive": "flag_prices_exclude_vat"}),
    Item("flag_contract", "Switch: a contracted share", "开关：有合同锁定算力", "flag",
         lambda m: where(_x(m, "share") > 0, 1, 0), kind="scalar", fmt="flag", helper=True),
]

SCALARS: list[Item] = [
    Item("revenue_net_of_vat_factor", "Rental prices net of VAT (÷ 1 + output rate when 含税)", "租金不含税系数", "×",
         lambda m: net_of_vat_factor(m.row("flag_vat"), m.row("flag_prices_exclude_vat"), m.x(V + "output_rate")),
         kind="scalar", fmt="number"),
    Item("contract_p_year_price", "Contract price per P-year as a server-month",
         "合同P·年价折合每台每月", "CNY/server-month",
         lambda m: _x(m, "price_cny") * _x(m, "p_per_server") / MONTHS_PER_YEAR, kind="scalar", fmt="price"),
    Item("contract_end_month", "Contract's last billed month", "合同最后计费月", "month",
         lambda m: m.x(H + "lead_time_months") + _x(m, "start_month") + _x(m, "term_months") - 1,
         kind="scalar", fmt="number"),
]


def revenue_items(on_demand_revenue: object) -> list[Item]:
    """The revenue lines: contract flags, contracted share, contract-term and renewal revenue, the
    on-demand revenue (``on_demand_revenue``: m → the heavy model's rental revenue of the whole fleet
    at the market path and occupancy, before availability and VAT), their sum ``revenue_cny``."""

    return [
        Item("contract_card_hour_price", "Contract price per card-hour as a server-month", "合同卡时价折合每台每月",
             "CNY/server-month", lambda m: _x(m, "price_cny") * m.x(H + "cards_per_server") * m.row("hours_per_month"),
             kind="scalar", fmt="price"),
        Item("contract_price_cny_per_server_month", "Contract price per server-month (as entered)",
             "合同价(元/台/月,按输入口径)", "CNY/server-month",
             lambda m: price_cny_per_server_month(_x(m, "price_cny"), m.row("flag_contract_card_hour"),
                                                  m.row("flag_contract_p_year"), m.row("contract_card_hour_price"),
                                                  m.row("contract_p_year_price")),
             kind="scalar", fmt="price"),
        Item("billable_factor", "Billable share of service hours, net of VAT (availability × VAT factor)",
             "可计费比例(可用率×不含税系数)", "fraction",
             lambda m: m.row("in_service") * m.x(S + "availability") * m.row("revenue_net_of_vat_factor"), fmt="rate",
             helper=True),
        Item("contract_billable_factor", "Billable share of contracted revenue (after SLA credits)", "合同可计费比例",
             "fraction", lambda m: m.row("billable_factor") * (1 - m.x(S + "sla_credit_share")), fmt="rate",
             helper=True, used_when="flag_contract"),
        Item("in_contract_term", "In the contract term", "合同期内", "flag",
             lambda m: m.row("in_service") * in_term(m.row("service_month"), _x(m, "start_month"),
                                                     _x(m, "term_months")), fmt="flag", helper=True,
             used_when="flag_contract"),
        Item("contract_renewed", "Renewed after the term", "到期续约", "flag",
             lambda m: m.row("in_service") * m.row("flag_contract_renews") * after_term(
                 m.row("service_month"), _x(m, "start_month"), _x(m, "term_months")), fmt="flag", helper=True,
             used_when="flag_contract"),
        Item("contracted_share", "Contracted share of capacity", "合同锁定算力占比", "fraction",
             lambda m: _x(m, "share") * (m.row("in_contract_term") + m.row("contract_renewed")), fmt="frac",
             used_when="flag_contract"),
        Item("fleet_occupancy", "Fleet occupancy (contracted at full load + on demand at the ramp)", "整体出租率",
             "fraction", lambda m: m.row("contracted_share") + (1 - m.row("contracted_share")) * m.row("occupancy"),
             fmt="frac"),
        Item("contract_term_revenue_cny", "Contract revenue (take-or-pay, in the term)", "合同期内合同收入",
             "CNY/month",
             lambda m: m.row("contract_billable_factor") * m.row("in_contract_term") * m.x(H + "servers")
             * _x(m, "share") * m.row("contract_price_cny_per_server_month"), flow=True, used_when="flag_contract"),
        Item("renewal_revenue_cny", "Renewal revenue (factor × market price, full occupancy)", "续约收入", "CNY/month",
             lambda m: m.row("contract_billable_factor") * m.row("contract_renewed") * m.x(H + "servers")
             * _x(m, "share") * _x(m, "renewal_price_factor") * m.row("price_cny_per_card_hour")
             * m.x(H + "cards_per_server") * m.row("hours_per_month"), flow=True, used_when="flag_contract"),
        Item("contracted_revenue_cny", "Contracted revenue", "合同收入", "CNY/month",
             lambda m: m.row("contract_term_revenue_cny") + m.row("renewal_revenue_cny"), flow=True),
        Item("on_demand_revenue_cny", "On-demand revenue", "按需出租收入", "CNY/month",
             lambda m: m.row("billable_factor") * on_demand_revenue(m) * (1 - m.row("contracted_share")),  # type: ignore[operator]
             flow=True),
        Item("revenue_cny", "Rental revenue", "租赁收入", "CNY/month",
             lambda m: m.row("on_demand_revenue_cny") + m.row("contracted_revenue_cny"), flow=True),
    ]


#: Prepayment (deferred revenue) and the customer deposit: flows and their balances.
BALANCES: list[Item] = [
    Item("contract_value_cny", "Total contract value (Σ contract revenue in the term)", "合同总价值", "CNY",
         lambda m: row_sum(m.row("contract_term_revenue_cny")), kind="scalar"),
    Item("prepayment_received_cny", "Prepayment received (at signing)", "预收合同款", "CNY/month",
         lambda m: where(m.t < 1, _x(m, "prepaid_share") * m.row("contract_value_cny"), 0), flow=True,
         used_when="flag_contract"),
    Item("prepayment_released_cny", "Prepayment released to revenue", "预收款确认收入", "CNY/month",
         lambda m: _x(m, "prepaid_share") * m.row("contract_term_revenue_cny"), flow=True, used_when="flag_contract"),
    Item("deposit_flow_cny", "Customer deposit received (+) / returned (−)", "客户押金收取/退还", "CNY/month",
         lambda m: deposit_flow_cny(_x(m, "deposit_cny"), m.t, m.row("contract_end_month")), flow=True,
         used_when="flag_contract"),
    Item("deferred_revenue_cny", "Deferred revenue (prepayment not yet earned)", "递延收入(预收款)", "CNY",
         lambda m: cumsum(m.row("prepayment_received_cny") - m.row("prepayment_released_cny")),
         used_when="flag_contract"),
    Item("customer_deposit_cny", "Customer deposit held", "客户押金余额", "CNY",
         lambda m: cumsum(m.row("deposit_flow_cny")), used_when="flag_contract"),
    Item("cumulative_contract_revenue_cny", "Cumulative contract revenue", "累计合同收入", "CNY",
         lambda m: cumsum(m.row("contract_term_revenue_cny")), helper=True, used_when="flag_contract"),
    Item("backlog_cny", "Backlog (contract revenue still to earn)", "未履约合同额", "CNY",
         lambda m: m.row("contract_value_cny") - m.row("cumulative_contract_revenue_cny"), used_when="flag_contract"),
    Item("billed_cny", "Billed to customers (revenue − prepayment released)", "当月开票金额", "CNY/month",
         lambda m: m.row("revenue_cny") - m.row("prepayment_released_cny"), flow=True),
]

#: Results: the contracted share of revenue. [fraction]
RESULTS: list[Item] = [
    Item("contracted_revenue_share", "Contracted share of revenue", "合同收入占比", "fraction",
         lambda m: safe_div(row_sum(m.row("contracted_revenue_cny")), row_sum(m.row("revenue_cny"))),
         kind="scalar", fmt="frac"),
    Item("backlog_at_start_cny", "Backlog at signing (contract value)", "签约时未履约合同额", "CNY",
         lambda m: m.row("contract_value_cny"), kind="scalar"),
]
