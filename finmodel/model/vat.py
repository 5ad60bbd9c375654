"""China's VAT (增值税) and its surtaxes (issue 12, D1 of deals.md). Off by default (``vat.mode``).

The P&L is VAT-exclusive: with VAT on, a price entered 含税 is divided by 1 + its rate (revenue at
the output rate; servers, electricity and colocation at their input rates). Output VAT on revenue less
input VAT on the servers (month 0), electricity and colocation accumulates; VAT is paid on the increase
of its running maximum above 0 (the ``cummax`` of :mod:`finmodel.model.tax`), so a negative balance is
a credit carried forward (留抵) until output VAT absorbs it. Surtaxes — 城建税, 教育费附加, 地方教育附加 —
are rates on the VAT paid, a P&L cost (税金及附加) in the month paid. VAT is invoiced, collected and paid
in the month of the revenue or cost (no lag, whatever the working-capital days). The credit left at the
horizon is refunded at the horizon (留抵退税, 财政部 税务总局公告2022年第14号), a settlement item: in NPV
and IRR, not in payback; ``vat_credit_left_cny`` reports it. Definitions: ``docs/deal_revenue.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from finmodel.model import flags
from finmodel.model.contracts import net_of_vat_factor
from finmodel.model.engine import Item
from finmodel.model.expr import cummax, cumsum, prev, row_sum, where

if TYPE_CHECKING:
    from finmodel.model.expr import Num

V = "vat."


def vat_paid_cny(paid_to_date: Num, paid_before: Num) -> Num:
    """VAT paid in a month: the increase of the cumulative amount due. [CNY/month]"""
    return paid_to_date - paid_before


def _cost_factor(rate: str):
    return lambda m: net_of_vat_factor(m.row("flag_vat"), m.row("flag_costs_exclude_vat"), m.x(V + rate))


SWITCHES: list[Item] = [*flags.flags(V + "costs_include_vat", {"exclusive": "flag_costs_exclude_vat"})]

SCALARS: list[Item] = [
    Item("capex_net_of_vat_factor", "Equipment prices net of VAT", "设备不含税系数", "×",
         _cost_factor("input_rate_servers"), kind="scalar", fmt="number"),
    Item("electricity_net_of_vat_factor", "Electricity tariff net of VAT", "电价不含税系数", "×",
         _cost_factor("input_rate_electricity"), kind="scalar", fmt="number"),
    Item("colocation_net_of_vat_factor", "Colocation rent net of VAT", "托管费不含税系数", "×",
         _cost_factor("input_rate_colocation"), kind="scalar", fmt="number"),
    Item("surtax_rate", "Surtaxes on VAT paid (城建税 + 教育费附加 + 地方教育附加)", "附加税费率合计", "fraction",
         lambda m: m.x(V + "city_construction_rate") + m.x(V + "education_surcharge_rate")
         + m.x(V + "local_education_surcharge_rate"), kind="scalar", fmt="frac"),
]

#: After revenue, energy and colocation, before the cash cost (which adds ``surtax_cny``).
ROWS: list[Item] = [
    Item("output_vat_cny", "Output VAT (销项税)", "销项税额", "CNY/month",
         lambda m: m.row("revenue_cny") * m.x(V + "output_rate"), flow=True, used_when="flag_vat"),
    Item("input_vat_cny", "Input VAT (进项税): servers, electricity, colocation", "进项税额", "CNY/month",
         lambda m: where(m.t < 1, m.row("capex_cny"), 0) * m.x(V + "input_rate_servers")
         + m.row("energy_cny") * m.x(V + "input_rate_electricity")
         + m.row("colocation_cny") * m.x(V + "input_rate_colocation"), flow=True, used_when="flag_vat"),
    Item("cumulative_net_vat_cny", "Cumulative output − input VAT", "累计销项−进项", "CNY",
         lambda m: cumsum(m.row("output_vat_cny") - m.row("input_vat_cny")), helper=True, used_when="flag_vat"),
    Item("vat_due_to_date_cny", "VAT due to date (running maximum above 0)", "累计应纳增值税", "CNY",
         lambda m: cummax(m.row("cumulative_net_vat_cny")), helper=True, used_when="flag_vat"),
    Item("vat_paid_cny", "VAT paid", "实缴增值税", "CNY/month",
         lambda m: vat_paid_cny(m.row("vat_due_to_date_cny"), prev(m.row("vat_due_to_date_cny"))), flow=True,
         used_when="flag_vat"),
    Item("vat_credit_carried_cny", "Input VAT credit carried forward (留抵)", "留抵税额", "CNY",
         lambda m: m.row("vat_due_to_date_cny") - m.row("cumulative_net_vat_cny"), used_when="flag_vat"),
    Item("surtax_cny", "Surtaxes (税金及附加)", "税金及附加", "CNY/month",
         lambda m: m.row("vat_paid_cny") * m.row("surtax_rate"), flow=True, used_when="flag_vat"),
]

#: With the cash flows: VAT cash and the credit's balance with its refund at the horizon.
CASH: list[Item] = [
    Item("vat_cash_cny", "VAT cash: output collected − input paid − VAT paid", "增值税现金净额", "CNY/month",
         lambda m: m.row("output_vat_cny") - m.row("input_vat_cny") - m.row("vat_paid_cny"), flow=True,
         used_when="flag_vat"),
    Item("vat_credit_refunded_cny", "VAT credit refunded at the horizon (settlement)", "期末留抵退税", "CNY/month",
         lambda m: m.row("horizon_end") * m.row("vat_credit_carried_cny"), flow=True, used_when="flag_vat"),
    Item("vat_credit_cny", "VAT credit (asset)", "待抵扣进项税", "CNY",
         lambda m: cumsum(-m.row("vat_cash_cny") - m.row("vat_credit_refunded_cny")), used_when="flag_vat"),
]

RESULTS: list[Item] = [
    Item("total_output_vat_cny", "Total output VAT", "销项税额合计", "CNY",
         lambda m: row_sum(m.row("output_vat_cny")), kind="scalar"),
    Item("total_input_vat_cny", "Total input VAT", "进项税额合计", "CNY",
         lambda m: row_sum(m.row("input_vat_cny")), kind="scalar"),
    Item("total_vat_paid_cny", "Total VAT paid", "实缴增值税合计", "CNY",
         lambda m: row_sum(m.row("vat_paid_cny")), kind="scalar"),
    Item("vat_credit_left_cny", "Input VAT credit left at the horizon", "期末留抵税额", "CNY",
         lambda m: row_sum(m.row("vat_credit_refunded_cny")), kind="scalar"),
    Item("total_surtax_cny", "Total surtaxes", "税金及附加合计", "CNY",
         lambda m: row_sum(m.row("surtax_cny")), kind="scalar"),
]
