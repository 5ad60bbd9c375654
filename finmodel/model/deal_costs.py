"""Issue 12's cost and support lines of the heavy model: yearly cost escalators (``[escalation]``),
spare servers, the capex grant and the compute voucher (``[subsidy]``). Every line is 1 (a factor)
or 0 under the defaults, so the model's earlier figures are unchanged. ``docs/deal_tax.md``.
"""

from __future__ import annotations

from typing import Any

from finmodel.model import energy
from finmodel.model.engine import Item
from finmodel.model.expr import eq, is_blank, land, select, where

E = "escalation."
S = "subsidy."
H = "heavy."
G = "general."


def _factor(key: str, path: str, en: str, zh: str) -> Item:
    """(1 + the yearly escalator ``path``) ^ whole service years done. [×]"""
    return Item(key, en, zh, "×", lambda m: (1 + m.x(path)) ** m.row("service_years_done"), fmt="number",
                helper=True)


ESCALATORS: list[Item] = [
    _factor("electricity_escalation", E + "electricity_per_year", "Electricity price factor (escalation)",
            "电价系数(逐年上涨)"),
    _factor("staff_escalation", E + "staff_per_year", "Staff cost factor (escalation)", "人工成本系数(逐年上涨)"),
    _factor("colocation_escalation", E + "colocation_per_year", "Colocation factor (escalation)",
            "托管费系数(逐年上涨)"),
    _factor("om_fixed_escalation", E + "om_fixed_per_year", "Fixed O&M factor (escalation)", "固定运维系数(逐年上涨)"),
]


def server_price() -> Item:
    """The server's price in CNY: ``fx.server_price_usd × fx.cny_per_usd`` if written, else
    ``heavy.server_price_cny``. [CNY/server]"""
    return Item("server_price_in_cny", "Server price (CNY, or USD × rate)", "服务器价格(人民币，或美元×汇率)",
                "CNY/server",
                lambda m: where(is_blank(m.x("fx.server_price_usd")), m.x(H + "server_price_cny"),
                                m.x("fx.server_price_usd") * m.x("fx.cny_per_usd")), kind="scalar")


def fleet_servers(m: Any) -> Any:
    """Servers bought and hosted: the rented fleet + spares. [servers]"""
    return m.x(H + "servers") + m.x(E + "spare_servers")


def spare_energy() -> list[Item]:
    """Energy of the spare servers: idle power (metered) or the fixed amount per server, escalated
    like the fleet's, while in service. [CNY/month]"""
    return [
        Item("spare_idle_energy_cny_per_month", "Spare servers' idle energy (metered, before escalation)",
             "备用服务器空载月能耗(按电量，涨价前)", "CNY/month",
             lambda m: energy.metered_energy_cny(m.x(E + "spare_servers"), m.row("power_kw_per_server"),
                                                 m.x(H + "pue"), m.x(H + "electricity_cny_per_kwh"),
                                                 m.row("hours_per_month"), m.x(H + "idle_power_fraction")),
             kind="scalar"),
        Item("spare_energy_cny", "Energy of spare servers (idle)", "备用服务器能耗(空载)", "CNY/month",
             lambda m: m.row("flag_bottom_up") * m.row("in_service") * m.row("electricity_escalation") * where(
                 m.row("flag_metered_energy"), m.row("spare_idle_energy_cny_per_month"),
                 energy.fixed_energy_cny(m.x(E + "spare_servers"), m.x(H + "energy_fixed_cny_per_server_month"))),
             flow=True, helper=True),
    ]


FLAGS: list[Item] = [
    Item("flag_subsidies", "Subsidies: a capex grant or a voucher", "有补贴(投资补助或算力券)", "flag",
         lambda m: where(m.x(S + "capex_grant_share") + m.x(S + "voucher_share_of_revenue") > 0, 1, 0),
         kind="scalar", fmt="flag", helper=True),
    Item("flag_energy_escalation", "Electricity escalates or spares draw power", "电价上涨或有备用服务器", "flag",
         lambda m: where(land(eq(m.x(E + "electricity_per_year"), 0), eq(m.x(E + "spare_servers"), 0)), 0, 1),
         kind="scalar", fmt="flag", helper=True),
]


def energy_cny(m: Any, fleet_cny: Any) -> Any:
    """The fleet's energy bill ``fleet_cny`` escalated, plus the spares' (unchanged when neither is
    used). [CNY/month]"""
    return select(m.row("flag_energy_escalation"),
                  lambda: fleet_cny * m.row("electricity_escalation") + m.row("spare_energy_cny"), lambda: fleet_cny)


SUBSIDIES: list[Item] = [
    Item("capex_grant_income_cny", "Capex grant received", "设备投资补助到账", "CNY/month",
         lambda m: select(m.row("flag_subsidies"), lambda: where(
             eq(m.t, m.x(S + "capex_grant_month")), m.x(S + "capex_grant_share") * m.row("capex_cny"), 0)
             * where(m.t <= m.x(G + "horizon_months"), 1, 0), lambda: 0), flow=True),
    Item("voucher_income_cny", "Compute voucher received (算力券)", "算力券补贴", "CNY/month",
         lambda m: select(m.row("flag_subsidies"), lambda: m.x(S + "voucher_share_of_revenue") * m.row("revenue_cny")
                          * where(m.row("service_month") <= m.x(S + "voucher_months"), 1, 0), lambda: 0), flow=True),
    Item("subsidy_income_cny", "Subsidies received", "补贴收入", "CNY/month",
         lambda m: select(m.row("flag_subsidies"),
                          lambda: m.row("capex_grant_income_cny") + m.row("voucher_income_cny"), lambda: 0), flow=True),
]


def with_subsidies(m: Any, ebitda_before_cny: Any) -> Any:
    """EBITDA with the subsidies received added (unchanged without subsidies). [CNY/month]"""
    return select(m.row("flag_subsidies"), lambda: ebitda_before_cny + m.row("subsidy_income_cny"),
                  lambda: ebitda_before_cny)
