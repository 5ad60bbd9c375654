"""What each cohort row carries for the company: a few lines beside the heavy (or light) items, and
which of its lines the company model sums (:data:`SUMS`, the input rows of
:data:`finmodel.model.portfolio_items.ROLLUP`).

* :data:`COHORT_ITEMS` — a cohort row is evaluated with the heavy (or light) items plus the lines
  the roll-up needs (book value written off at retirement, scheduled debt service, servers, cards
  and P in service, card-hours available and sold; P contracted and resold).
* :data:`SUMS` — each company input row: the cohort line it sums and over which cohorts (all, those
  live at the horizon, those sold at a retirement), with its labels, unit and format.
"""

from __future__ import annotations

from finmodel.model import heavy, light, revenue
from finmodel.model.engine import Item
from finmodel.model.expr import prev

HEAVY_EXTRAS: list[Item] = [
    Item("book_value_at_end_cny", "Book value at the end of the timeline", "时间线末账面净值", "CNY",
         lambda m: m.row("horizon_end") * m.row("book_value_cny"), helper=True),
    Item("scheduled_debt_service_cny", "Scheduled debt service", "计划还本付息", "CNY/month",
         lambda m: m.row("operating") * (prev(m.row("loan_balance_cny")) - m.row("loan_balance_cny"))
         + m.row("interest_cny"), flow=True),
    Item("servers_in_service", "Servers in service", "在运服务器", "servers",
         lambda m: m.row("in_service") * m.x("heavy.servers"), fmt="number"),
    Item("cards_in_service", "Cards in service", "在运GPU卡", "cards",
         lambda m: m.row("servers_in_service") * m.x("heavy.cards_per_server"), fmt="number"),
    # an owned cohort's row carries its GPU's catalogue TFLOPS (dense FP16) in light.tflops_per_card
    Item("p_in_service", "Capacity in service (FP16 dense)", "在运算力（FP16稠密）", "P",
         lambda m: m.row("cards_in_service") * revenue.p_per_card(m.x("light.tflops_per_card")), fmt="p"),
    Item("card_hours_available", "Card-hours available", "可售卡时", "card-hours/month",
         lambda m: m.row("cards_in_service") * m.row("hours_per_month"), fmt="number"),
    Item("card_hours_sold", "Card-hours rented", "已租卡时", "card-hours/month",
         lambda m: m.row("card_hours_available") * m.row("occupancy"), fmt="number"),
]
LIGHT_EXTRAS: list[Item] = [
    Item("p_contracted", "Capacity contracted", "签约算力", "P",
         lambda m: m.row("operating") * m.x("light.capacity_p"), fmt="p"),
    Item("p_sold", "Capacity resold", "转租算力", "P", lambda m: m.x("light.capacity_p") * m.row("occupancy"), fmt="p"),
]
COHORT_ITEMS: dict[str, list[Item]] = {"heavy": heavy.ALL + HEAVY_EXTRAS, "light": light.ALL + LIGHT_EXTRAS}


#: Input rows: (key, cohort model, cohort line, which cohorts, English, 中文, unit, fmt). ``live``
#: cohorts run to the horizon (their end-of-timeline value is a terminal value), ``retired`` ones
#: are sold at their retire month (that value is a resale, and their book value is written off).
SUMS: tuple[tuple[str, str, str, str, str, str, str, str], ...] = (
    ("heavy_revenue_cny", "heavy", "revenue_cny", "all", "Σ owned: rental revenue", "自有：租赁收入", "CNY/month",
     "cny"),
    ("heavy_cash_cost_cny", "heavy", "cash_cost_cny", "all", "Σ owned: cash cost", "自有：现金成本", "CNY/month",
     "cny"),
    ("heavy_energy_cny", "heavy", "energy_cny", "all", "Σ owned: energy", "自有：能耗费用", "CNY/month", "cny"),
    ("heavy_om_cny", "heavy", "om_cny", "all", "Σ owned: O&M", "自有：运营维护", "CNY/month", "cny"),
    ("heavy_colocation_cny", "heavy", "colocation_cny", "all", "Σ owned: colocation", "自有：托管费用", "CNY/month",
     "cny"),
    ("heavy_staff_cny", "heavy", "staff_cny", "all", "Σ owned: cohort staff", "自有：机群人工", "CNY/month", "cny"),
    ("heavy_other_cny", "heavy", "other_cny", "all", "Σ owned: other", "自有：其他费用", "CNY/month", "cny"),
    ("heavy_ratio_cash_cost_cny", "heavy", "ratio_cash_cost_cny", "all", "Σ owned: cash cost (60:40 ratio)",
     "自有：现金成本(比例法)", "CNY/month", "cny"),
    ("heavy_gross_profit_cny", "heavy", "gross_profit_cny", "all", "Σ owned: gross profit", "自有：毛利", "CNY/month",
     "cny"),
    ("heavy_ebitda_cny", "heavy", "ebitda_cny", "all", "Σ owned: EBITDA", "自有：EBITDA", "CNY/month", "cny"),
    ("heavy_depreciation_cny", "heavy", "depreciation_cny", "all", "Σ owned: depreciation", "自有：折旧", "CNY/month",
     "cny"),
    ("heavy_interest_cny", "heavy", "interest_cny", "all", "Σ owned: interest", "自有：利息", "CNY/month", "cny"),
    ("heavy_investment_cny", "heavy", "investment_cny", "all", "Σ owned: capex paid", "自有：设备投资", "CNY/month",
     "cny"),
    ("heavy_debt_flow_cny", "heavy", "debt_flow_cny", "all", "Σ owned: loan drawdown / scheduled principal",
     "自有：贷款提取/按期还本", "CNY/month", "cny"),
    ("heavy_settlement_cny", "heavy", "settlement_cny", "live", "Σ owned: loan balance repaid at the horizon",
     "自有：期末一次性还款", "CNY/month", "cny"),
    ("heavy_early_repayment_cny", "heavy", "settlement_cny", "retired", "Σ owned: loan balance repaid at retirement",
     "自有：退役时提前还款", "CNY/month", "cny"),
    ("heavy_debt_service_cny", "heavy", "scheduled_debt_service_cny", "all", "Σ owned: scheduled debt service",
     "自有：计划还本付息", "CNY/month", "cny"),
    ("heavy_terminal_value_cny", "heavy", "terminal_value_cny", "live", "Σ owned: terminal value at the horizon",
     "自有：期末残值", "CNY", "cny"),
    ("heavy_book_value_at_horizon_cny", "heavy", "book_value_at_end_cny", "live", "Σ owned: book value at the horizon",
     "自有：期末账面净值", "CNY", "cny"),
    ("heavy_resale_cny", "heavy", "terminal_value_cny", "retired", "Σ owned: resale at retirement",
     "自有：退役转售收入", "CNY/month", "cny"),
    ("heavy_written_off_cny", "heavy", "book_value_at_end_cny", "retired", "Σ owned: book value retired",
     "自有：退役账面净值", "CNY/month", "cny"),
    ("heavy_servers_in_service", "heavy", "servers_in_service", "all", "Σ owned: servers in service",
     "自有：在运服务器", "servers", "number"),
    ("heavy_cards_in_service", "heavy", "cards_in_service", "all", "Σ owned: cards in service", "自有：在运GPU卡",
     "cards", "number"),
    ("heavy_p_in_service", "heavy", "p_in_service", "all", "Σ owned: P in service", "自有：在运算力", "P", "p"),
    ("heavy_card_hours_available", "heavy", "card_hours_available", "all", "Σ owned: card-hours available",
     "自有：可售卡时", "card-hours/month", "number"),
    ("heavy_card_hours_sold", "heavy", "card_hours_sold", "all", "Σ owned: card-hours rented", "自有：已租卡时",
     "card-hours/month", "number"),
    ("light_revenue_cny", "light", "revenue_cny", "all", "Σ sub-leased: revenue", "转租：收入", "CNY/month", "cny"),
    ("light_resale_revenue_cny", "light", "resale_revenue_cny", "all", "Σ sub-leased: resale revenue", "转租：转租收入",
     "CNY/month", "cny"),
    ("light_capacity_cost_cny", "light", "capacity_cost_cny", "all", "Σ sub-leased: capacity cost",
     "转租：算力采购成本", "CNY/month", "cny"),
    ("light_vas_cost_cny", "light", "vas_cost_cny", "all", "Σ sub-leased: value-added service cost",
     "转租：增值服务成本", "CNY/month", "cny"),
    ("light_platform_fixed_cost_cny", "light", "platform_fixed_cost_cny", "all", "Σ sub-leased: platform fixed cost",
     "转租：平台固定费用", "CNY/month", "cny"),
    ("light_gross_profit_cny", "light", "gross_profit_cny", "all", "Σ sub-leased: gross profit", "转租：毛利",
     "CNY/month", "cny"),
    ("light_ebitda_cny", "light", "ebitda_cny", "all", "Σ sub-leased: EBITDA", "转租：EBITDA", "CNY/month", "cny"),
    ("light_amortisation_cny", "light", "amortisation_cny", "all", "Σ sub-leased: amortisation", "转租：摊销",
     "CNY/month", "cny"),
    ("light_investment_cny", "light", "investment_cny", "all", "Σ sub-leased: platform investment", "转租：平台投入",
     "CNY/month", "cny"),
    ("light_p_contracted", "light", "p_contracted", "all", "Σ sub-leased: P contracted", "转租：签约算力", "P", "p"),
    ("light_p_sold", "light", "p_sold", "all", "Σ sub-leased: P resold", "转租：转租算力", "P", "p"),
)
SUMS_BY_KEY: dict[str, tuple[str, str, str, str, str, str, str, str]] = {s[0]: s for s in SUMS}
