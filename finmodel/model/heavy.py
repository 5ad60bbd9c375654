"""Heavy-asset (重资产) orchestrator: buy servers, depreciate them, pay cash costs, rent card-hours.

The model is the ordered list :data:`ITEMS`; each line calls a pure function from a topical module
(capex, depreciation, revenue, energy, operations, debt, tax, metrics) and nothing else. The
same list is evaluated by numpy (``finmodel.model.engine.evaluate``) and written as formulas to the
workbook. Every switch is read through one flag item (:mod:`finmodel.model.flags`).

Cash flows (CNY, month ends, month 0 = purchase):

* project cash flow = EBITDA − tax on EBIT (its own loss carry-forward) − capex (month 0): unlevered
* equity cash flow = EBITDA − income tax − capex + loan drawdown − scheduled principal − interest
  − upfront fee − lease deposit paid + deposit returned (:mod:`finmodel.model.debt`): the operating
  flow of the shareholders, which payback and peak funding read
* horizon-end settlement items — the loan balance repaid at the horizon, the terminal value after
  the tax on its gain or loss against book value — enter NPV and IRR, never payback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from finmodel.model import (
    capex,
    contracts,
    deal_costs,
    debt,
    depreciation,
    energy,
    flags,
    lines,
    market,
    metrics,
    operations,
    revenue,
    statements,
    tables,
    tax_statute,
    timeline,
    vat,
    working_capital,
)
from finmodel.model.engine import Item
from finmodel.model.expr import (
    cummin,
    eq,
    is_blank,
    land,
    prev,
    row_sum,
    sumproduct,
    where,
)

if TYPE_CHECKING:
    from finmodel.model.engine import FormulaContext, NumpyContext
    from finmodel.model.expr import Num

H = "heavy."
G = "general."


def _x(m: NumpyContext | FormulaContext, name: str) -> Num:
    """The heavy-asset input ``name`` (``heavy.`` + name)."""
    return m.x(H + name)


def _flag(cond: Num) -> Num:
    """A condition as a 1/0 row."""
    return where(cond, 1, 0)


SWITCHES: list[Item] = [
    *debt.SWITCHES,
    *flags.flags(H + "cash_cost_method", {"ratio": "flag_ratio_method", "bottom_up": "flag_bottom_up"}),
    *flags.flags(H + "energy_method", {"metered": "flag_metered_energy"}),
    *flags.flags(H + "billing_mode", {"monthly": "flag_billing_monthly", "annual": "flag_billing_annual"}),
    *flags.flags(H + "depreciation_method", {"straight_line": "flag_straight_line",
                                            "double_declining": "flag_double_declining",
                                            "sum_of_years": "flag_sum_of_years",
                                            "declining_balance_monthly": "flag_declining_balance_monthly"}),
    *flags.flags(H + "terminal_value_method", {"book_value": "flag_terminal_book_value",
                                              "resale_fraction": "flag_terminal_resale_fraction",
                                              "resale_decline": "flag_terminal_resale_decline"}),
    *contracts.SWITCHES, *vat.SWITCHES, *working_capital.SWITCHES, *tax_statute.SWITCHES,
]

SCALARS: list[Item] = [
    deal_costs.server_price(),
    *contracts.SCALARS, *vat.SCALARS,
    Item("capex_per_server_cny", "Capex per server", "单台设备投资", "CNY/server",
         lambda m: capex.capex_per_server_cny(m.row("server_price_in_cny"), _x(m, "network_cost_cny"),
                                              _x(m, "parts_cost_cny"), _x(m, "other_infrastructure_cny")),
         kind="scalar"),
    Item("capex_cny", "Capex (incl. spare servers)", "设备购置成本(含备用服务器)", "CNY",
         lambda m: deal_costs.fleet_servers(m) * m.row("capex_per_server_cny") * m.row("capex_net_of_vat_factor"),
         kind="scalar"),
    Item("salvage_cny", "Salvage value", "残值", "CNY",
         lambda m: m.row("capex_cny") * _x(m, "salvage_fraction"), kind="scalar"),
    Item("life_months", "Depreciation life", "折旧月数", "months",
         lambda m: capex.life_months(_x(m, "depreciation_life_years")), kind="scalar", fmt="number"),
    Item("straight_line_depreciation_cny_per_month", "Straight-line depreciation", "月直线折旧",
         "CNY/month", lambda m: capex.straight_line_per_month_cny(
             m.row("capex_cny"), m.row("salvage_cny"), m.row("life_months")), kind="scalar"),
    Item("hours_per_month", "Hours per month", "月小时数", "h/month",
         lambda m: timeline.hours_per_month(m.x(G + "hours_per_year")), kind="scalar", fmt="number"),
    Item("billing_factor", "Billing factor", "计费系数", "× list price",
         lambda m: revenue.billing_factor(m.row("flag_billing_monthly"), m.row("flag_billing_annual"),
                                          _x(m, "monthly_price_factor"), _x(m, "annual_discount_factor")),
         kind="scalar", fmt="number"),
    Item("price_cny_per_server_hour", "Price per server-hour", "单台时租金", "CNY/server-hour",
         lambda m: _x(m, "price_cny_per_card_hour") * _x(m, "cards_per_server"), kind="scalar", fmt="price"),
    Item("catalogue_kw_per_server", "Server power in the catalogue", "目录服务器功率", "kW/server",
         lambda m: m.lookup(tables.GPU_SERVER_KW, [H + "gpu"]), kind="scalar", fmt="number", helper=True),
    Item("power_kw_per_server", "Server power (input, else catalogue)", "服务器功率(输入或目录)", "kW/server",
         lambda m: where(is_blank(_x(m, "power_kw_per_server")), m.row("catalogue_kw_per_server"),
                         _x(m, "power_kw_per_server")), kind="scalar", fmt="number"),
    Item("resale_fraction_value_cny", "Resale value, fraction of capex", "残值(设备投资比例)", "CNY",
         lambda m: m.row("capex_cny") * _x(m, "resale_fraction_of_capex"), kind="scalar", helper=True),
    lines.project_discount_rate(),
    *tax_statute.SCALARS,
    *deal_costs.FLAGS,
]

CALENDAR: list[Item] = [
    Item("service_month", "Service month", "运营月序", "months",
         lambda m: timeline.service_month(m.t, _x(m, "lead_time_months")), fmt="number", helper=True),
    Item("service_years_done", "Whole service years", "已运营整年数", "years",
         lambda m: depreciation.years_done(m.row("service_month")), fmt="number", helper=True),
    Item("in_service", "In service", "运营中", "flag",
         lambda m: _flag(land(timeline.in_service(m.row("service_month")),
                              timeline.within_horizon(m.t, m.x(G + "horizon_months")))),
         fmt="flag", helper=True),
    Item("operating", "Operating month", "经营月", "flag",
         lambda m: _flag(land(timeline.operating(m.t), timeline.within_horizon(m.t, m.x(G + "horizon_months")))),
         fmt="flag", helper=True),
    Item("horizon_end", "Horizon end", "测算期末", "flag",
         lambda m: _flag(eq(m.t, m.x(G + "horizon_months"))), fmt="flag", helper=True),
    Item("first_service_year", "First service year", "运营首年", "flag",
         lambda m: _flag(timeline.first_service_year(m.row("service_month"))), fmt="flag", helper=True),
    *statements.calendar(),
    *tax_statute.calendar_items(),
    *deal_costs.ESCALATORS,
]

OPERATIONS: list[Item] = [
    Item("occupancy", "Occupancy", "出租率", "fraction",
         lambda m: revenue.occupancy_path(m.row("service_month"), _x(m, "occupancy"),
                                          _x(m, "occupancy_start"), _x(m, "ramp_months")), fmt="frac"),
    *market.PRICE,
    *contracts.revenue_items(lambda m: revenue.rental_revenue_cny(
        _x(m, "servers"), _x(m, "cards_per_server"), m.row("price_cny_per_card_hour"),
        m.row("billing_factor"), m.row("hours_per_month"), m.row("occupancy"))),
    *deal_costs.spare_energy(),
    Item("metered_energy_cny", "Energy, metered (fleet)", "计量能耗(设备)", "CNY/month",
         lambda m: energy.metered_energy_cny(_x(m, "servers"), m.row("power_kw_per_server"), _x(m, "pue"),
                                             _x(m, "electricity_cny_per_kwh"), m.row("hours_per_month"),
                                             energy.load_fraction(m.row("fleet_occupancy"),
                                                                  _x(m, "idle_power_fraction"))), helper=True),
    Item("fleet_energy_cny", "Energy of the fleet (before escalation and VAT)", "设备能耗(调价及增值税前)", "CNY/month",
         lambda m: m.row("flag_bottom_up") * m.row("in_service") * where(
             m.row("flag_metered_energy"), m.row("metered_energy_cny"),
             energy.fixed_energy_cny(_x(m, "servers"), _x(m, "energy_fixed_cny_per_server_month"))), helper=True),
    Item("energy_cny", "Energy", "能耗费用", "CNY/month",
         lambda m: deal_costs.energy_cny(m, m.row("fleet_energy_cny")) * m.row("electricity_net_of_vat_factor"),
         flow=True),
    Item("om_cny", "O&M", "运营维护", "CNY/month",
         lambda m: m.row("flag_bottom_up") * operations.om_cny(
             _x(m, "om_share_of_revenue"), m.row("revenue_cny"), deal_costs.fleet_servers(m),
             _x(m, "om_fixed_cny_per_server_month") * m.row("om_fixed_escalation"), m.row("in_service")), flow=True),
    Item("colocation_cny", "Colocation", "托管费用", "CNY/month",
         lambda m: m.row("flag_bottom_up") * operations.colocation_cny(
             deal_costs.fleet_servers(m), _x(m, "colocation_cny_per_server_month") * m.row("colocation_escalation"),
             m.row("in_service")) * m.row("colocation_net_of_vat_factor"), flow=True),
    Item("staff_cny", "Staff", "人工费用", "CNY/month",
         lambda m: m.row("flag_bottom_up") * operations.fixed_cost_cny(
             _x(m, "staff_cny_per_month") * m.row("staff_escalation"), m.row("operating")), flow=True),
    Item("other_cny", "Other", "其他费用", "CNY/month",
         lambda m: m.row("flag_bottom_up") * (
             operations.fixed_cost_cny(_x(m, "other_cny_per_month"), m.row("operating"))
             + _x(m, "other_share_of_revenue") * m.row("revenue_cny")), flow=True),
    Item("ratio_cash_cost_cny", "Cash cost (60:40 ratio)", "现金成本(比例法)", "CNY/month",
         lambda m: m.row("flag_ratio_method") * operations.ratio_cash_cost_cny(
             m.row("straight_line_depreciation_cny_per_month"), _x(m, "noncash_share_of_cost"),
             m.row("in_service")), flow=True),
    *vat.ROWS,
    Item("cash_cost_cny", "Cash cost", "现金成本", "CNY/month",
         lambda m: m.row("energy_cny") + m.row("om_cny") + m.row("colocation_cny") + m.row("staff_cny")
         + m.row("other_cny") + m.row("ratio_cash_cost_cny") + m.row("surtax_cny"), flow=True),
    *deal_costs.SUBSIDIES,
    Item("ebitda_cny", "EBITDA (incl. subsidies received)", "息税折旧摊销前利润(含补贴)", "CNY/month",
         lambda m: deal_costs.with_subsidies(m, m.row("revenue_cny") - m.row("cash_cost_cny")), flow=True),
]

DEPRECIATION: list[Item] = [
    Item("book_value_straight_line_cny", "Book value, straight line", "账面净值(直线法)", "CNY",
         lambda m: depreciation.straight_line_book_cny(m.row("capex_cny"), m.row("salvage_cny"),
                                                       m.row("life_months"), m.row("service_month")), helper=True),
    *depreciation.by_year_items("dep_", lambda m: _x(m, "depreciation_life_years"), "flag_double_declining",
                                ("Book value", "账面净值"), "flag_sum_of_years"),
    Item("book_value_double_declining_cny", "Book value, double declining", "账面净值(双倍余额递减法)", "CNY",
         lambda m: depreciation.double_declining_book_cny(_x(m, "depreciation_life_years"),
                                                          m.row("book_value_straight_line_cny"),
                                                          depreciation.by_year_book(m, "dep_", "ddb")), helper=True,
         used_when="flag_double_declining"),
    Item("book_value_sum_of_years_cny", "Book value, sum of years' digits", "账面净值(年数总和法)", "CNY",
         lambda m: depreciation.by_year_book(m, "dep_", "syd"), helper=True, used_when="flag_sum_of_years"),
    Item("monthly_db_ratio", "Monthly declining balance: share of the book value kept a month",
         "按月余额递减：月留存比例", "fraction",
         lambda m: depreciation.declining_monthly_ratio(m.row("life_months"), _x(m, "declining_balance_factor")),
         kind="scalar", fmt="number", helper=True),
    Item("declining_monthly_switch_slope_cny", "Monthly declining balance: straight-line slope if switching now",
         "按月余额递减：当月转直线斜率", "CNY/month",
         lambda m: depreciation.declining_monthly_slope_cny(
             m.row("capex_cny"), m.row("salvage_cny"), m.row("life_months"), m.row("service_month"),
             m.row("monthly_db_ratio")), helper=True, used_when="flag_declining_balance_monthly"),
    Item("declining_monthly_slope_cny", "Monthly declining balance: straight-line slope, running minimum",
         "按月余额递减：转直线斜率(累计最小)", "CNY/month",
         lambda m: cummin(m.row("declining_monthly_switch_slope_cny"), m.t < 1), helper=True,
         used_when="flag_declining_balance_monthly"),
    Item("book_value_declining_monthly_cny", "Book value, monthly declining balance", "账面净值(按月余额递减法)",
         "CNY", lambda m: depreciation.declining_monthly_book_cny(
             m.row("salvage_cny"), m.row("life_months"), m.row("service_month"),
             m.row("declining_monthly_slope_cny")), helper=True, used_when="flag_declining_balance_monthly"),
    Item("book_value_cny", "Book value", "账面净值", "CNY",
         lambda m: depreciation.chosen_book_cny(
             m.row("flag_straight_line"), m.row("flag_double_declining"), m.row("flag_sum_of_years"),
             m.row("book_value_straight_line_cny"), m.row("book_value_double_declining_cny"),
             m.row("book_value_sum_of_years_cny"), m.row("book_value_declining_monthly_cny"))),
    Item("depreciation_cny", "Depreciation", "折旧摊销", "CNY/month",
         lambda m: m.row("operating") * capex.depreciation_cny(prev(m.row("book_value_cny")),
                                                               m.row("book_value_cny"), m.row("service_month")),
         flow=True),
    Item("gross_profit_cny", "Gross profit", "毛利", "CNY/month",
         lambda m: m.row("revenue_cny") - m.row("energy_cny") - m.row("om_cny") - m.row("colocation_cny")
         - m.row("ratio_cash_cost_cny") - m.row("depreciation_cny"), flow=True),
    Item("ebit_cny", "EBIT", "息税前利润", "CNY/month",
         lambda m: m.row("ebitda_cny") - m.row("depreciation_cny"), flow=True),
    *tax_statute.DEPRECIATION,
    tax_statute.adjustment("capex_grant_income_cny"),
]

FINANCING: list[Item] = [
    # cash timing of revenue, costs and VAT (contracts, working_capital, vat): read by CFADS and debt sizing
    *contracts.BALANCES, *working_capital.ITEMS, *vat.CASH, *working_capital.NET,
    *debt.SIZING, *debt.TERMS, *debt.CORKSCREW,  # the loan drawn and its corkscrew (debt.py)
    Item("ebt_cny", "Pre-tax profit", "税前利润", "CNY/month",
         lambda m: m.row("ebit_cny") - m.row("interest_cny") - m.row("debt_fee_cny"), flow=True),
    *lines.income_tax(adjust_key="tax_adjustment_cny"),
    Item("net_income_cny", "Net income", "净利润", "CNY/month",
         lambda m: m.row("ebt_cny") - m.row("tax_cny"), flow=True),
    *lines.income_tax("ebit_cny", prefix="project_", base=("EBIT", "息税前利润"), adjust_key="tax_adjustment_cny"),
    *debt.COVERAGE,  # CFADS, DSCR, the covenant test (debt.py)
]

CASH_FLOW: list[Item] = [
    Item("investment_cny", "Capex paid", "设备投资支出", "CNY/month",
         lambda m: where(m.t < 1, m.row("capex_cny"), 0), flow=True),
    Item("project_cash_flow_cny", "Project cash flow (unlevered, before terminal value)", "项目现金流(无杠杆)",
         "CNY/month", lambda m: m.row("ebitda_cny") - m.row("project_tax_cny") - m.row("investment_cny")
         + m.row("working_capital_cash_cny") + m.row("vat_cash_cny"), flow=True),
    *debt.CASH,  # drawdown and principal, fee and lease deposit, the horizon settlement (debt.py)
    Item("equity_cash_flow_cny", "Equity cash flow (operating, before settlements)", "股东经营现金流", "CNY/month",
         lambda m: m.row("ebitda_cny") - m.row("tax_cny") - m.row("investment_cny") + m.row("debt_flow_cny")
         - m.row("interest_cny") + m.row("debt_other_flow_cny") + m.row("working_capital_cash_cny")
         + m.row("vat_cash_cny"), flow=True),
    *lines.payback_chain("equity_cash_flow_cny"),
    *lines.peak_funding(),
    # ---- horizon-end settlement items: in NPV and IRR, not in payback -----------------------------
    Item("resale_declined_value_cny", "Resale value, declining each service year", "残值(逐年递减)", "CNY",
         lambda m: capex.declined_resale_cny(m.row("capex_cny"), _x(m, "resale_decline_per_year"),
                                             m.row("service_month")), helper=True),
    Item("terminal_book_share_cny", "Terminal value, share of the book value", "残值(账面净值比例)", "CNY",
         lambda m: m.row("book_value_cny") * _x(m, "terminal_value_fraction"), helper=True),
    Item("terminal_value_cny", "Terminal value (before tax)", "期末残值(税前)", "CNY",
         lambda m: m.row("horizon_end") * capex.terminal_value_cny(
             m.row("flag_terminal_book_value"), m.row("flag_terminal_resale_fraction"),
             m.row("flag_terminal_resale_decline"), m.row("terminal_book_share_cny"),
             m.row("resale_fraction_value_cny"), m.row("resale_declined_value_cny")), flow=True),
    Item("disposal_gain_cny", "Gain (+) / loss (−) on disposal", "处置损益", "CNY/month",
         lambda m: m.row("horizon_end") * (m.row("terminal_value_cny") - m.row("book_value_cny")), flow=True),
    Item("tax_disposal_gain_cny", "Gain (+) / loss (−) on disposal for tax (against the tax book value)",
         "处置损益(按计税基础)", "CNY/month",
         lambda m: m.row("horizon_end") * (m.row("terminal_value_cny") - m.row("tax_book_value_cny")), flow=True),
    *lines.settlement_tail("disposal_gain_cny", "tax_disposal_gain_cny", extra=("working_capital_settlement_cny",)),
]

ITEMS: list[Item] = SWITCHES + SCALARS + CALENDAR + OPERATIONS + DEPRECIATION + FINANCING + CASH_FLOW
ITEMS += statements.heavy(ITEMS)  # the timeline's calendar and the three statements (statements.py)

# ---- results: one number per scenario --------------------------------------------------------------
_TOTALS = ["revenue_cny", "subsidy_income_cny", "energy_cny", "om_cny", "colocation_cny", "staff_cny", "other_cny",
           "ratio_cash_cost_cny", "cash_cost_cny", "depreciation_cny", "interest_cny", "tax_cny",
           "gross_profit_cny", "ebitda_cny", "net_income_cny"]


def _total(key: str) -> Item:
    line = next(i for i in ITEMS if i.key == key)
    return lines.total(key, f"Total {line.en}", f"{line.zh}合计")


def _first_year(key: str, en: str, zh: str) -> Item:
    return Item("annual_" + key, en, zh, "CNY/year",
                lambda m: sumproduct(m.row(key), m.row("first_service_year")), kind="scalar")


RESULTS: list[Item] = [
    _first_year("revenue_cny", "Annual revenue (first service year)", "年租赁收入"),
    _first_year("depreciation_cny", "Annual depreciation (first service year)", "年非现金成本"),
    _first_year("cash_cost_cny", "Annual cash cost (first service year)", "年现金成本"),
    *[_total(k) for k in _TOTALS],
    *lines.payback_results("equity_cash_flow_with_terminal_cny", ("Payback (equity)", "投资回收期"),
                           ("Discounted payback (equity)", "折现回收期"), ("NPV (equity)", "净现值"),
                           ("IRR (equity, annual)", "内部收益率")),
    *lines.payback_results("project_cash_flow_with_terminal_cny", ("Payback (project, unlevered)", "项目投资回收期"),
                           ("Discounted payback (project)", "项目折现回收期"),
                           ("NPV (project, unlevered)", "项目净现值"), ("IRR (project, annual)", "项目内部收益率"),
                           prefix="project_", rate=lines.project_rate),
    lines.peak_funding_month(),
    Item("gross_margin", "Gross margin", "毛利率", "fraction",
         lambda m: metrics.ratio(m.row("total_gross_profit_cny"), m.row("total_revenue_cny")),
         kind="scalar", fmt="frac"),
    Item("ebitda_margin", "EBITDA margin", "EBITDA利润率", "fraction",
         lambda m: metrics.ratio(m.row("total_ebitda_cny"), m.row("total_revenue_cny")), kind="scalar", fmt="frac"),
    Item("net_margin", "Net margin", "净利率", "fraction",
         lambda m: metrics.ratio(m.row("total_net_income_cny"), m.row("total_revenue_cny")), kind="scalar", fmt="frac"),
    Item("equity_invested_cny", "Equity invested", "股东投入", "CNY",
         lambda m: m.row("capex_cny") - m.row("loan_cny"), kind="scalar"),
    Item("roi", "Net cash multiple − 1 (undiscounted, over the horizon)", "净现金回报倍数−1(未折现)", "fraction",
         lambda m: metrics.ratio(row_sum(m.row("equity_cash_flow_with_terminal_cny")), m.row("equity_invested_cny")),
         kind="scalar", fmt="frac"),
    lines.moic("equity_cash_flow_with_terminal_cny"),
    *contracts.RESULTS, *vat.RESULTS, *working_capital.RESULTS,
    *debt.RESULTS,  # minimum and average DSCR, LLCR, the covenant (debt.py)
]

ALL: list[Item] = ITEMS + RESULTS

# ---- named result sets, read by every renderer (CLI, dashboard, workbook, analyses) ---------------
#: The headline figures, in reading order (dashboard KPI cards, CLI table, Summary sheet first rows).
HEADLINE: tuple[str, ...] = ("payback_months", "discounted_payback_months", "npv_cny", "irr", "gross_margin")
#: Cost lines of the annual "revenue vs cost" view (monthly rows).
COST_LINES: tuple[str, ...] = ("energy_cny", "om_cny", "colocation_cny", "staff_cny", "other_cny",
                               "ratio_cash_cost_cny", "depreciation_cny", "interest_cny", "tax_cny")
#: What sweeps, tornado and Monte Carlo report unless told otherwise.
DEFAULT_METRICS: tuple[str, ...] = ("payback_months", "npv_cny", "irr", "gross_margin")
#: The Summary sheet's order: these first (per-scenario values among them shown as references),
#: then every other result.
SUMMARY_ORDER: tuple[str, ...] = (
    "payback_months", "discounted_payback_months", "npv_cny", "irr", "project_payback_months",
    "project_discounted_payback_months", "project_npv_cny", "project_irr", "peak_funding_cny", "peak_funding_month",
    "moic", "gross_margin", "ebitda_margin", "net_margin", "roi", "capex_cny", "loan_cny", "equity_invested_cny",
    "loan_payment_cny", "price_cny_per_server_hour", "straight_line_depreciation_cny_per_month")
