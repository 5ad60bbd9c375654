"""Light-asset (轻资产) brokerage orchestrator: buy capacity per P per year, resell it.

The platform contracts ``capacity_p`` on take-or-pay terms at the buy price (unsold capacity still
costs), resells the occupied share at a price per P per year — set directly, or derived from a
card-hour price through the GPU's TFLOPS as the seed does (157.7万 ÷ 2.5 P = 63.1万/P/年, 002:1544)
— and may sell value-added services. It holds no servers: no energy, no O&M (002:1548).

The P per server follows the GPU brokered (``light.gpu``, else ``heavy.gpu``) and ``light.precision``
through the catalogue (:data:`finmodel.model.tables.GPU_TFLOPS`) unless ``light.tflops_per_card`` is
written. Spread per P per year = resale revenue per P − buy price (the seed's 43.1万 of
"技术服务创造的额外价值", 002:1546). Break-even occupancy = (capacity × buy price + annual fixed
cost) ÷ (capacity × net revenue per resold P): in year 1 (the headline) and in each year, as the
resale and buy prices step; the worst year is the highest. The buy commitment may end before the
horizon (``light.buy_term_months``): the capacity is then re-bought at the stepped price, or
dropped with its revenue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from finmodel.model import capex, depreciation, flags, lines, metrics, revenue, statements, tables, timeline
from finmodel.model.engine import Item
from finmodel.model.expr import (
    BLANK,
    MONTHS_PER_YEAR,
    NOT_APPLICABLE,
    cummax,
    eq,
    is_blank,
    land,
    prev,
    row_count,
    row_max,
    row_sum,
    sumproduct,
    where,
)

if TYPE_CHECKING:
    from finmodel.model.engine import FormulaContext, NumpyContext
    from finmodel.model.expr import Num

L = "light."
G = "general."


def _x(m: NumpyContext | FormulaContext, name: str) -> Num:
    """The light-asset input ``name`` (``light.`` + name)."""
    return m.x(L + name)


def _flag(cond: Num) -> Num:
    """A condition as a 1/0 value."""
    return where(cond, 1, 0)


ITEMS: list[Item] = [
    *flags.flags(L + "sell_price_basis", {"card_hour": "flag_card_hour_basis"}),
    *flags.flags(L + "after_buy_term", {"drop": "flag_drop_after_term"}),
    # ---- one number per scenario ------------------------------------------------------------
    Item("catalogue_tflops_per_card", "TFLOPS per card in the catalogue", "目录单卡算力", "TFLOPS/card",
         lambda m: m.lookup(tables.GPU_TFLOPS, [L + "gpu", "heavy.gpu"], L + "precision"), kind="scalar",
         fmt="number", helper=True),
    Item("tflops_per_card", "TFLOPS per card (input, else catalogue)", "单卡算力(输入或目录)", "TFLOPS/card",
         lambda m: where(is_blank(_x(m, "tflops_per_card")), m.row("catalogue_tflops_per_card"),
                         _x(m, "tflops_per_card")), kind="scalar", fmt="number"),
    Item("p_per_server", "P per server", "每台设备P数", "P/server",
         lambda m: where(is_blank(_x(m, "p_per_server_override")),
                         revenue.p_per_server(m.x("heavy.cards_per_server"), m.row("tflops_per_card")),
                         _x(m, "p_per_server_override")), kind="scalar", fmt="p"),
    Item("card_price_cny_per_card_hour", "Resale card-hour price", "转租单卡时价格", "CNY/card-hour",
         lambda m: where(is_blank(_x(m, "price_cny_per_card_hour")), m.x("heavy.price_cny_per_card_hour"),
                         _x(m, "price_cny_per_card_hour")), kind="scalar", fmt="price"),
    Item("revenue_cny_per_p_year", "Revenue per P per year", "每P年收入", "CNY/P/year",
         lambda m: where(m.row("flag_card_hour_basis"),
                         revenue.revenue_cny_per_p_year(m.row("card_price_cny_per_card_hour"),
                                                        m.x("heavy.cards_per_server"), m.x(G + "hours_per_year"),
                                                        m.row("p_per_server")),
                         _x(m, "sell_price_cny_per_p_year")), kind="scalar", fmt="cny_per_p_year"),
    Item("spread_cny_per_p_year", "Spread per P per year", "每P年价差", "CNY/P/year",
         lambda m: m.row("revenue_cny_per_p_year") - _x(m, "buy_price_cny_per_p_year"),
         kind="scalar", fmt="cny_per_p_year"),
    Item("vas_net_cny_per_p_year", "Net value-added services per P", "每P增值服务净收入", "CNY/P/year",
         lambda m: _x(m, "vas_revenue_cny_per_p_year") * (1 - _x(m, "vas_cost_share")),
         kind="scalar", fmt="cny_per_p_year"),
    Item("net_revenue_cny_per_p_year", "Revenue and value-added services per P per year (year 1)",
         "每P年收入(含增值服务,首年)", "CNY/P/year",
         lambda m: m.row("revenue_cny_per_p_year") + m.row("vas_net_cny_per_p_year"), kind="scalar", helper=True),
    Item("breakeven_occupancy", "Break-even occupancy (year 1)", "盈亏平衡出租率(首年)", "fraction",
         lambda m: metrics.ratio(
             _x(m, "capacity_p") * _x(m, "buy_price_cny_per_p_year")
             + _x(m, "platform_fixed_cost_cny_per_month") * MONTHS_PER_YEAR,
             _x(m, "capacity_p") * m.row("net_revenue_cny_per_p_year")),
         kind="scalar", fmt="frac", unattainable_above=1.0),
    Item("margin_cny_per_p_year", "Contribution per contracted P", "每签约P年贡献", "CNY/P/year",
         lambda m: _x(m, "occupancy") * (m.row("revenue_cny_per_p_year") + m.row("vas_net_cny_per_p_year"))
         - _x(m, "buy_price_cny_per_p_year"), kind="scalar", fmt="cny_per_p_year"),
    Item("breakeven_capacity_p", "Break-even capacity (year 1)", "盈亏平衡算力规模(首年)", "P",
         lambda m: where(m.row("margin_cny_per_p_year") > 0,
                         _x(m, "platform_fixed_cost_cny_per_month") * MONTHS_PER_YEAR
                         / m.row("margin_cny_per_p_year"), NOT_APPLICABLE), kind="scalar", fmt="p"),
    Item("platform_life_months", "Platform life", "平台摊销月数", "months",
         lambda m: capex.life_months(_x(m, "platform_life_years")), kind="scalar", fmt="number"),
    Item("buy_term_months", "Buy commitment", "采购承诺期", "months",
         lambda m: where(is_blank(_x(m, "buy_term_months")), m.x(G + "horizon_months"), _x(m, "buy_term_months")),
         kind="scalar", fmt="number"),
    Item("no_platform_investment", "No platform investment", "无平台投入", "flag",
         lambda m: _flag(eq(_x(m, "platform_investment_cny"), 0)), kind="scalar", fmt="flag", helper=True),
    # ---- timeline ---------------------------------------------------------------------------
    Item("operating", "Operating month", "经营月", "flag",
         lambda m: where(land(timeline.operating(m.t), timeline.within_horizon(m.t, m.x(G + "horizon_months"))), 1, 0),
         fmt="flag", helper=True),
    Item("first_year", "First year", "首年", "flag",
         lambda m: where(timeline.first_service_year(m.t), 1, 0), fmt="flag", helper=True),
    Item("occupancy", "Resale occupancy", "转租出租率", "fraction",
         lambda m: m.row("operating") * revenue.occupancy_path(m.t, _x(m, "occupancy"), _x(m, "occupancy_start"),
                                                               _x(m, "ramp_months")), fmt="frac"),
    Item("sell_price_cny_per_p_year", "Resale price", "转租价格", "CNY/P/year",
         lambda m: revenue.price_path(m.row("revenue_cny_per_p_year"), _x(m, "price_change_per_year"), m.t),
         fmt="cny_per_p_year"),
    Item("buy_price_cny_per_p_year", "Buy price", "采购价格", "CNY/P/year",
         lambda m: revenue.price_path(_x(m, "buy_price_cny_per_p_year"), _x(m, "buy_price_change_per_year"), m.t),
         fmt="cny_per_p_year"),
    Item("capacity_active", "Capacity contracted", "算力在约", "flag",
         lambda m: where(m.row("flag_drop_after_term"), _flag(m.t <= m.row("buy_term_months")), 1),
         fmt="flag", helper=True),
    Item("resale_revenue_cny", "Resale revenue", "算力转租收入", "CNY/month",
         lambda m: m.row("capacity_active") * _x(m, "capacity_p") * m.row("occupancy")
         * m.row("sell_price_cny_per_p_year") / MONTHS_PER_YEAR, flow=True),
    Item("vas_revenue_cny", "Value-added service revenue", "增值服务收入", "CNY/month",
         lambda m: m.row("capacity_active") * _x(m, "capacity_p") * m.row("occupancy")
         * _x(m, "vas_revenue_cny_per_p_year") / MONTHS_PER_YEAR, flow=True),
    Item("revenue_cny", "Revenue", "收入", "CNY/month",
         lambda m: m.row("resale_revenue_cny") + m.row("vas_revenue_cny"), flow=True),
    Item("capacity_cost_cny", "Capacity cost (take-or-pay)", "算力采购成本", "CNY/month",
         lambda m: m.row("operating") * m.row("capacity_active") * _x(m, "capacity_p")
         * m.row("buy_price_cny_per_p_year") / MONTHS_PER_YEAR, flow=True),
    Item("vas_cost_cny", "Value-added service cost", "增值服务成本", "CNY/month",
         lambda m: m.row("vas_revenue_cny") * _x(m, "vas_cost_share"), flow=True),
    Item("gross_profit_cny", "Gross profit", "毛利", "CNY/month",
         lambda m: m.row("revenue_cny") - m.row("capacity_cost_cny") - m.row("vas_cost_cny"), flow=True),
    Item("platform_fixed_cost_cny", "Platform fixed cost", "平台固定费用", "CNY/month",
         lambda m: m.row("operating") * _x(m, "platform_fixed_cost_cny_per_month"), flow=True),
    Item("ebitda_cny", "EBITDA", "息税折旧摊销前利润", "CNY/month",
         lambda m: m.row("gross_profit_cny") - m.row("platform_fixed_cost_cny"), flow=True),
    Item("platform_book_value_cny", "Platform book value", "平台账面净值", "CNY",
         lambda m: depreciation.straight_line_book_cny(_x(m, "platform_investment_cny"), 0,
                                                       m.row("platform_life_months"), m.t)),
    Item("amortisation_cny", "Amortisation", "摊销", "CNY/month",
         lambda m: m.row("operating") * capex.depreciation_cny(prev(m.row("platform_book_value_cny")),
                                                               m.row("platform_book_value_cny"), m.t), flow=True),
    Item("ebt_cny", "Pre-tax profit", "税前利润", "CNY/month",
         lambda m: m.row("ebitda_cny") - m.row("amortisation_cny"), flow=True),
    *lines.income_tax(),
    Item("net_income_cny", "Net income", "净利润", "CNY/month",
         lambda m: m.row("ebt_cny") - m.row("tax_cny"), flow=True),
    Item("investment_cny", "Platform investment", "平台建设投入", "CNY/month",
         lambda m: where(m.t < 1, _x(m, "platform_investment_cny"), 0), flow=True),
    Item("cash_flow_cny", "Cash flow", "现金流", "CNY/month",
         lambda m: m.row("ebitda_cny") - m.row("tax_cny") - m.row("investment_cny"), flow=True),
    *lines.payback_chain("cash_flow_cny"),
    # ---- break-even in each year (the resale and buy prices step; the year's value in each month) --
    Item("yearly_margin_cny_per_p_year", "Contribution per contracted P (its year)", "每签约P年贡献(当年)",
         "CNY/P/year", lambda m: _x(m, "occupancy") * (m.row("sell_price_cny_per_p_year")
                                                      + m.row("vas_net_cny_per_p_year"))
         - m.row("buy_price_cny_per_p_year"), fmt="cny_per_p_year", helper=True),
    Item("breakeven_defined", "Break-even defined", "盈亏平衡可计算", "flag",
         lambda m: m.row("operating") * m.row("capacity_active") * _flag(
             m.row("sell_price_cny_per_p_year") + m.row("vas_net_cny_per_p_year") > 0), fmt="flag", helper=True),
    Item("yearly_breakeven_occupancy", "Break-even occupancy (its year)", "盈亏平衡出租率(当年)", "fraction",
         lambda m: where(m.row("breakeven_defined"), metrics.breakeven_occupancy(
             _x(m, "capacity_p"), m.row("buy_price_cny_per_p_year"), _x(m, "platform_fixed_cost_cny_per_month"),
             m.row("sell_price_cny_per_p_year"), m.row("vas_net_cny_per_p_year")), BLANK),
         fmt="frac", unattainable_above=1.0),
    Item("yearly_breakeven_capacity_p", "Break-even capacity (its year)", "盈亏平衡算力规模(当年)", "P",
         lambda m: where(m.row("breakeven_defined") * _flag(m.row("yearly_margin_cny_per_p_year") > 0),
                         _x(m, "platform_fixed_cost_cny_per_month") * MONTHS_PER_YEAR
                         / m.row("yearly_margin_cny_per_p_year"), BLANK), fmt="p"),
    Item("worst_breakeven_occupancy", "Break-even occupancy, worst year", "盈亏平衡出租率(最差年份)", "fraction",
         lambda m: where(row_count(m.row("yearly_breakeven_occupancy")) > 0,
                         row_max(m.row("yearly_breakeven_occupancy")), NOT_APPLICABLE),
         kind="scalar", fmt="frac", unattainable_above=1.0),
    Item("worst_breakeven_reached", "Worst break-even year reached", "已到最差盈亏平衡年份", "flag",
         lambda m: cummax(where(m.row("breakeven_defined"), _flag(
             m.row("yearly_breakeven_occupancy") >= m.row("worst_breakeven_occupancy")), 0)),
         fmt="flag", helper=True),
]
ITEMS += statements.light(ITEMS)  # the timeline's calendar and the three statements (statements.py)

RESULTS: list[Item] = [
    Item("annual_revenue_cny", "Annual revenue (first year)", "年收入", "CNY/year",
         lambda m: sumproduct(m.row("revenue_cny"), m.row("first_year")), kind="scalar"),
    lines.total("revenue_cny", "Total revenue", "收入合计"),
    lines.total("capacity_cost_cny", "Total capacity cost", "采购成本合计"),
    lines.total("gross_profit_cny", "Total gross profit", "毛利合计"),
    lines.total("ebitda_cny", "Total EBITDA", "EBITDA合计"),
    lines.total("net_income_cny", "Total net income", "净利润合计"),
    Item("gross_margin", "Gross margin", "毛利率", "fraction",
         lambda m: metrics.ratio(m.row("total_gross_profit_cny"), m.row("total_revenue_cny")), kind="scalar",
         fmt="frac"),
    Item("operating_margin", "Operating margin", "经营利润率", "fraction",
         lambda m: metrics.ratio(m.row("total_ebitda_cny"), m.row("total_revenue_cny")), kind="scalar", fmt="frac"),
    *lines.payback_results("cash_flow_cny", ("Platform payback", "平台投资回收期"),
                           ("Discounted platform payback", "平台折现回收期"), ("NPV", "净现值"),
                           ("IRR (annual)", "内部收益率"), na_when="no_platform_investment"),
    Item("worst_breakeven_year", "Year of the worst break-even", "最差盈亏平衡年份", "service year",
         lambda m: where(row_sum(m.row("worst_breakeven_reached")) > 0, metrics.service_year_of_month(
             row_count(m.row("worst_breakeven_reached")) - row_sum(m.row("worst_breakeven_reached"))),
             NOT_APPLICABLE), kind="scalar", fmt="number"),
]

ALL: list[Item] = ITEMS + RESULTS

# ---- named result sets (see heavy.py) ---------------------------------------------------------------
HEADLINE: tuple[str, ...] = ("spread_cny_per_p_year",)
COST_LINES: tuple[str, ...] = ("capacity_cost_cny", "vas_cost_cny", "platform_fixed_cost_cny", "amortisation_cny",
                               "tax_cny")
#: Added to the heavy-asset defaults when a sweep varies light-asset inputs.
DEFAULT_METRICS: tuple[str, ...] = ("spread_cny_per_p_year", "payback_months")
SUMMARY_ORDER: tuple[str, ...] = (
    "spread_cny_per_p_year", "revenue_cny_per_p_year", "vas_net_cny_per_p_year", "margin_cny_per_p_year",
    "breakeven_occupancy", "worst_breakeven_occupancy", "worst_breakeven_year", "breakeven_capacity_p",
    "p_per_server", "tflops_per_card", "payback_months", "discounted_payback_months", "npv_cny", "irr",
    "gross_margin", "operating_margin")
