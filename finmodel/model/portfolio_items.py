"""The portfolio's line items: the company model (the lines each cohort row adds, and which of
them the company sums, are in :mod:`~finmodel.model.portfolio_rows`, re-exported here).

* :data:`ROLLUP` — the company model: its first items are **input rows** and **inputs**
  (:data:`INPUTS`, kind row or scalar) that the portfolio engine fills — each cohort line summed over
  the cohorts, shifted to their purchase months, and the company's own inputs; the rest is computed
  from them by the same engine and the same line groups as the heavy model (``lines.income_tax``,
  ``lines.payback_chain``, ``lines.payback_results``). Evaluated over the cohorts of one cohort it
  gives that cohort's stand-alone statements and KPIs; over all of a portfolio's, the company's.
* :data:`SHARES` — each cohort's share of the company's revenue, EBITDA and capex.

The workbook (:mod:`finmodel.workbook.company`) renders the computed items as formulas like any
other item; each input row is the sum of one line of the cohort timelines (:data:`SUMS` says which),
each cohort shifted to its purchase month, and each input a named cell. Order of operations
follows the heavy model, so a company of one cohort bought at month 0 reproduces that cohort's
heavy-asset lines bit for bit.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from finmodel.model import financing, lines, metrics
from finmodel.model.engine import FormulaContext, Item, name_of
from finmodel.model.expr import (
    BLANK,
    MONTHS_PER_YEAR,
    NOT_APPLICABLE,
    Sym,
    eq,
    maximum,
    prev,
    row_count,
    row_max,
    safe_div,
    where,
)
from finmodel.model.portfolio_rows import COHORT_ITEMS, HEAVY_EXTRAS, LIGHT_EXTRAS, SUMS, SUMS_BY_KEY

G = "general."
__all__ = ["COHORT_ITEMS", "HEAVY_EXTRAS", "LIGHT_EXTRAS", "SUMS", "SUMS_BY_KEY", "ROLLUP", "ITEMS", "RESULTS",
           "INPUTS", "SHARES", "SHARED", "STANDALONE", "STANDALONE_TAX", "RESIDUAL_LINES", "COMPANY_INPUTS", "FILLED",
           "HEADLINE", "KPIS", "COHORT_KPIS", "STATEMENT", "FLEET", "COHORT_LINES", "COHORT_COUNTS", "HELD_LINES",
           "LOWER_IS_BETTER"]


# --------------------------------------------------------------------------- cohort rows
def _flag(cond: Any) -> Any:
    return where(cond, 1, 0)


#: Company results where less is better (funding, costs, taxes): their deltas read inversely.
LOWER_IS_BETTER = frozenset({"peak_funding_cny", "total_cash_cost_cny", "total_cohort_cash_cost_cny",
                             "total_company_cost_cny", "total_tax_cny", "total_standalone_tax_cny"})


def _lower_is_better(it: Item) -> Item:
    return replace(it, lower_is_better=True) if it.key in LOWER_IS_BETTER else it




# --------------------------------------------------------------------------- company inputs
#: Keys of the items the portfolio engine fills (input rows and inputs of ROLLUP and SHARES).
FILLED: set[str] = set()


def _filled(key: str) -> Any:
    FILLED.add(key)

    def fn(m: Any) -> Any:
        if isinstance(m, FormulaContext):  # the workbook writes these cells itself (SUMS, company inputs)
            return Sym(name_of("portfolio." + key))
        raise KeyError(f"{key} is an input of the company model: evaluate it through finmodel.model.portfolio")
    return fn


#: The company's own inputs (``company.<field>`` of the portfolio file), as named cells.
COMPANY_INPUTS: tuple[tuple[str, str, str, str, str], ...] = (
    ("staff_cny_per_month", "Company staff", "公司人工", "CNY/month", "cny"),
    ("platform_cny_per_month", "Platform", "平台费用", "CNY/month", "cny"),
    ("overhead_cny_per_month", "Overheads", "管理费用", "CNY/month", "cny"),
    ("loan_cny", "Company loan", "公司贷款", "CNY", "cny"),
    ("loan_draw_month", "Loan draw month", "贷款提款月", "months", "number"),
    ("loan_rate_per_year", "Company loan rate", "公司贷款利率", "fraction/year", "frac"),
    ("loan_term_months", "Company loan term", "公司贷款期限", "months", "number"),
)
#: Filled from the cohorts' stand-alone evaluations (company only): Σ over the cohorts, each alone,
#: of these company lines, shifted to the company calendar; the company's ``residual_<key>`` is its
#: own line minus that sum (what company-level lines, the company loan and shared tax losses add),
#: so a stacked chart of the cohorts plus the residual adds up to the company.
RESIDUAL_LINES: tuple[tuple[str, str, str], ...] = (
    ("revenue_cny", "revenue", "收入"), ("ebitda_cny", "EBITDA", "EBITDA"), ("tax_cny", "income tax", "所得税"),
    ("equity_cash_flow_cny", "equity cash flow", "股东经营现金流"),
    ("cumulative_cash_flow_cny", "cumulative cash flow", "累计现金流"))
STANDALONE_TAX = "standalone_tax_cny"
STANDALONE: dict[str, str] = {f"standalone_{k}": k for k, _, _ in RESIDUAL_LINES}

INPUTS: list[Item] = [
    *[Item(k, en, zh, unit, _filled(k), fmt=fmt, flow=unit.endswith("/month") and fmt == "cny")  # type: ignore[arg-type]
      for k, _, _, _, en, zh, unit, fmt in SUMS],
    *[Item("company_" + k, en, zh, unit, _filled("company_" + k), kind="scalar", fmt=fmt)  # type: ignore[arg-type]
      for k, en, zh, unit, fmt in COMPANY_INPUTS],
    *[Item(f"standalone_{k}", f"Σ cohorts: {en}, each alone" if k != "tax_cny" else
           "Σ cohorts: income tax, each taxed alone", f"各机群单独{zh}之和" if k != "tax_cny" else "各机群单独计税之和",
           "CNY" if k.startswith("cumulative") else "CNY/month", _filled(f"standalone_{k}"),
           flow=not k.startswith("cumulative"))
      for k, en, zh in RESIDUAL_LINES],
]


def _c(m: Any, key: str) -> Any:
    """A company input (``company_`` + key)."""
    return m.row("company_" + key)


# --------------------------------------------------------------------------- the company model
_CALENDAR: list[Item] = [
    Item("operating", "Operating month", "经营月", "flag", lambda m: _flag(m.t >= 1), fmt="flag", helper=True),
    Item("horizon_end", "Horizon end", "测算期末", "flag", lambda m: _flag(eq(m.t, m.x(G + "horizon_months"))),
         fmt="flag", helper=True),
    lines.project_discount_rate(),
]
_LINES: list[Item] = [
    Item("company_staff_cny", "Company staff", "公司人工", "CNY/month",
         lambda m: m.row("operating") * _c(m, "staff_cny_per_month"), flow=True),
    Item("company_platform_cny", "Platform", "平台费用", "CNY/month",
         lambda m: m.row("operating") * _c(m, "platform_cny_per_month"), flow=True),
    Item("company_overhead_cny", "Overheads", "管理费用", "CNY/month",
         lambda m: m.row("operating") * _c(m, "overhead_cny_per_month"), flow=True),
    Item("company_cost_cny", "Company-level costs", "公司层面费用", "CNY/month",
         lambda m: m.row("company_staff_cny") + m.row("company_platform_cny") + m.row("company_overhead_cny"),
         flow=True),
]
_LOAN: list[Item] = [
    Item("company_loan_rate_per_month", "Company loan rate per month", "公司贷款月利率", "fraction/month",
         lambda m: financing.monthly_rate(_c(m, "loan_rate_per_year")), kind="scalar", fmt="rate"),
    Item("company_loan_payment_cny", "Company loan payment", "公司贷款月还款额", "CNY/month",
         lambda m: financing.annuity_payment_cny(_c(m, "loan_cny"), m.row("company_loan_rate_per_month"),
                                                 _c(m, "loan_term_months")), kind="scalar"),
    Item("company_loan_month", "Months since the company loan draw", "公司贷款已提取月数", "months",
         lambda m: m.t - _c(m, "loan_draw_month"), fmt="number", helper=True),
    Item("company_loan_balance_cny", "Company loan balance", "公司贷款余额", "CNY",
         lambda m: where(m.row("company_loan_month") >= 0, financing.loan_balance_cny(
             _c(m, "loan_cny"), m.row("company_loan_rate_per_month"), m.row("company_loan_payment_cny"),
             _c(m, "loan_term_months"), maximum(m.row("company_loan_month"), 0)), 0)),
    Item("company_interest_cny", "Company loan interest", "公司贷款利息", "CNY/month",
         lambda m: m.row("operating") * financing.interest_cny(prev(m.row("company_loan_balance_cny")),
                                                               m.row("company_loan_rate_per_month")), flow=True),
    Item("company_principal_cny", "Company loan principal repaid", "公司贷款还本", "CNY/month",
         lambda m: where(m.row("company_loan_month") > 0,
                         prev(m.row("company_loan_balance_cny")) - m.row("company_loan_balance_cny"), 0), flow=True),
    Item("company_loan_flow_cny", "Company loan drawdown (+) / scheduled principal (−)", "公司贷款提取/按期还本",
         "CNY/month", lambda m: where(eq(m.row("company_loan_month"), 0), m.row("company_loan_balance_cny"),
                                      -m.row("company_principal_cny")), flow=True),
]
_PROFIT: list[Item] = [
    Item("revenue_cny", "Revenue", "收入", "CNY/month",
         lambda m: m.row("heavy_revenue_cny") + m.row("light_revenue_cny"), flow=True),
    Item("cohort_cash_cost_cny", "Cohorts' cash cost", "机群现金成本", "CNY/month",
         lambda m: m.row("heavy_cash_cost_cny") + m.row("light_capacity_cost_cny") + m.row("light_vas_cost_cny")
         + m.row("light_platform_fixed_cost_cny"), flow=True),
    Item("cash_cost_cny", "Cash cost", "现金成本", "CNY/month",
         lambda m: m.row("cohort_cash_cost_cny") + m.row("company_cost_cny"), flow=True),
    Item("gross_profit_cny", "Gross profit", "毛利", "CNY/month",
         lambda m: m.row("heavy_gross_profit_cny") + m.row("light_gross_profit_cny"), flow=True),
    Item("cohort_ebitda_cny", "Cohorts' EBITDA", "机群EBITDA", "CNY/month",
         lambda m: m.row("heavy_ebitda_cny") + m.row("light_ebitda_cny"), flow=True),
    Item("ebitda_cny", "EBITDA", "息税折旧摊销前利润", "CNY/month",
         lambda m: m.row("cohort_ebitda_cny") - m.row("company_cost_cny"), flow=True),
    Item("depreciation_cny", "Depreciation and amortisation", "折旧摊销", "CNY/month",
         lambda m: m.row("heavy_depreciation_cny") + m.row("light_amortisation_cny"), flow=True),
    Item("retirement_gain_cny", "Gain (+) / loss (−) on cohorts sold at retirement", "退役资产处置损益", "CNY/month",
         lambda m: m.row("heavy_resale_cny") - m.row("heavy_written_off_cny"), flow=True),
    # a sale within the horizon is operating profit (CAS 资产处置收益 is in 营业利润), so it is in EBIT
    Item("ebit_cny", "EBIT (incl. gains on cohorts sold)", "息税前利润(含退役处置损益)", "CNY/month",
         lambda m: m.row("ebitda_cny") - m.row("depreciation_cny") + m.row("retirement_gain_cny"), flow=True),
    Item("interest_cny", "Interest", "利息", "CNY/month",
         lambda m: m.row("heavy_interest_cny") + m.row("company_interest_cny"), flow=True),
    Item("ebt_cny", "Pre-tax profit", "税前利润", "CNY/month", lambda m: m.row("ebit_cny") - m.row("interest_cny"),
         flow=True),
    *lines.income_tax(),
    Item("net_income_cny", "Net income", "净利润", "CNY/month", lambda m: m.row("ebt_cny") - m.row("tax_cny"),
         flow=True),
    *lines.income_tax("ebit_cny", prefix="project_", base=("EBIT", "息税前利润")),
]
_CASH: list[Item] = [
    Item("investment_cny", "Capex paid", "投资支出", "CNY/month",
         lambda m: m.row("heavy_investment_cny") + m.row("light_investment_cny"), flow=True),
    Item("project_cash_flow_cny", "Project cash flow (unlevered, before terminal value)", "项目现金流(无杠杆)",
         "CNY/month", lambda m: m.row("ebitda_cny") - m.row("project_tax_cny") - m.row("investment_cny")
         + m.row("heavy_resale_cny"), flow=True),
    Item("debt_flow_cny", "Loan drawdown (+) / scheduled principal (−)", "贷款提取/按期还本", "CNY/month",
         lambda m: m.row("heavy_debt_flow_cny") + m.row("heavy_early_repayment_cny") + m.row("company_loan_flow_cny"),
         flow=True),
    Item("settlement_cny", "Loan balances repaid at the horizon", "期末一次性还款", "CNY/month",
         lambda m: m.row("heavy_settlement_cny") - m.row("horizon_end") * m.row("company_loan_balance_cny"),
         flow=True),
    Item("equity_cash_flow_cny", "Equity cash flow (operating, before settlements)", "股东经营现金流", "CNY/month",
         lambda m: m.row("ebitda_cny") - m.row("tax_cny") - m.row("investment_cny") + m.row("heavy_resale_cny")
         + m.row("debt_flow_cny") - m.row("interest_cny"), flow=True),
    *lines.payback_chain("equity_cash_flow_cny"),
    *[_lower_is_better(i) for i in lines.peak_funding()],
    # ---- horizon-end settlement items: in NPV and IRR, not in payback -----------------------------
    Item("terminal_value_cny", "Terminal value (before tax)", "期末残值(税前)", "CNY",
         lambda m: m.row("heavy_terminal_value_cny"), flow=True),
    Item("disposal_gain_cny", "Gain (+) / loss (−) on disposal at the horizon", "期末处置损益", "CNY/month",
         lambda m: m.row("terminal_value_cny") - m.row("heavy_book_value_at_horizon_cny"), flow=True),
    *lines.settlement_tail("disposal_gain_cny"),
    Item("debt_service_cny", "Scheduled debt service", "计划还本付息", "CNY/month",
         lambda m: m.row("heavy_debt_service_cny") + m.row("company_principal_cny") + m.row("company_interest_cny"),
         flow=True),
    Item("cfads_cny", "Cash flow available for debt service", "可用于偿债的现金流", "CNY/month",
         lambda m: m.row("ebitda_cny") - m.row("tax_cny"), flow=True),
    Item("dscr", "Debt service coverage", "偿债覆盖率", "×",
         lambda m: where(m.row("debt_service_cny") > 0, m.row("cfads_cny") / m.row("debt_service_cny"), BLANK),
         fmt="number"),
    Item("negative_dscr", "Debt service coverage, negated", "偿债覆盖率(负)", "×",
         lambda m: where(m.row("debt_service_cny") > 0, -m.row("cfads_cny") / m.row("debt_service_cny"), BLANK),
         fmt="number", helper=True),
]
_RESIDUALS: list[Item] = [
    Item(f"residual_{k}", f"Company level: {en} beyond the cohorts alone", f"公司层面：{zh}（减各机群单独之和）",
         "CNY" if k.startswith("cumulative") else "CNY/month",
         lambda m, k=k: m.row(k) - m.row(f"standalone_{k}"), flow=not k.startswith("cumulative"))
    for k, en, zh in RESIDUAL_LINES]
_FLEET: list[Item] = [
    Item("servers_in_service", "Servers in service", "在运服务器", "servers",
         lambda m: m.row("heavy_servers_in_service"), fmt="number"),
    Item("cards_in_service", "Cards in service", "在运GPU卡", "cards", lambda m: m.row("heavy_cards_in_service"),
         fmt="number"),
    Item("owned_p", "Owned capacity (FP16 dense)", "自有算力", "P", lambda m: m.row("heavy_p_in_service"), fmt="p"),
    Item("subleased_p", "Sub-leased capacity", "转租算力", "P", lambda m: m.row("light_p_contracted"), fmt="p"),
    Item("capacity_p", "Capacity", "算力规模", "P", lambda m: m.row("owned_p") + m.row("subleased_p"), fmt="p"),
    Item("owned_occupancy", "Occupancy, owned", "自有出租率", "fraction",
         lambda m: safe_div(m.row("heavy_card_hours_sold"), m.row("heavy_card_hours_available")), fmt="frac"),
    Item("subleased_occupancy", "Occupancy, sub-leased", "转租出租率", "fraction",
         lambda m: safe_div(m.row("light_p_sold"), m.row("light_p_contracted")), fmt="frac"),
    Item("blended_occupancy", "Occupancy (P-weighted)", "综合出租率", "fraction",
         lambda m: safe_div(m.row("owned_p") * m.row("owned_occupancy") + m.row("light_p_sold"), m.row("capacity_p")),
         fmt="frac"),
    Item("owned_price_cny_per_card_hour", "Blended price, owned", "自有综合卡时价", "CNY/card-hour",
         lambda m: safe_div(m.row("heavy_revenue_cny"), m.row("heavy_card_hours_sold")), fmt="price"),
    Item("subleased_price_cny_per_p_year", "Blended resale price, sub-leased", "转租综合价格", "CNY/P/year",
         lambda m: safe_div(m.row("light_resale_revenue_cny") * MONTHS_PER_YEAR, m.row("light_p_sold")),
         fmt="cny_per_p_year"),
]
_TOTALS = ("revenue_cny", "cash_cost_cny", "cohort_cash_cost_cny", "company_cost_cny", "gross_profit_cny",
           "cohort_ebitda_cny", "ebitda_cny", "depreciation_cny", "interest_cny", "retirement_gain_cny", "tax_cny",
           "net_income_cny", "investment_cny", "heavy_resale_cny")
ITEMS: list[Item] = [*INPUTS, *_CALENDAR, *_LINES, *_LOAN, *_PROFIT, *_CASH, *_RESIDUALS, *_FLEET]


def _total(key: str) -> Item:
    it = next(i for i in ITEMS if i.key == key)
    out = lines.total(key, f"Total {it.en}", f"{it.zh}合计")
    return _lower_is_better(out)


RESULTS: list[Item] = [
    *[_total(k) for k in _TOTALS],
    _lower_is_better(lines.total(STANDALONE_TAX, "Total income tax, cohorts taxed alone", "各机群单独计税合计")),
    Item("tax_sheltered_cny", "Tax saved by company-level taxation", "合并纳税节税额", "CNY",
         lambda m: m.row("total_standalone_tax_cny") - m.row("total_tax_cny"), kind="scalar"),
    *lines.payback_results("equity_cash_flow_with_terminal_cny", ("Payback (equity)", "投资回收期"),
                           ("Discounted payback (equity)", "折现回收期"), ("NPV (equity)", "净现值"),
                           ("IRR (equity, annual)", "内部收益率")),
    *lines.payback_results("project_cash_flow_with_terminal_cny", ("Payback (project, unlevered)", "项目投资回收期"),
                           ("Discounted payback (project)", "项目折现回收期"),
                           ("NPV (project, unlevered)", "项目净现值"), ("IRR (project, annual)", "项目内部收益率"),
                           prefix="project_", rate=lines.project_rate),
    lines.peak_funding_month(),
    lines.moic("equity_cash_flow_with_terminal_cny"),
    Item("min_dscr", "Minimum DSCR", "最低偿债覆盖率", "×",
         lambda m: where(row_count(m.row("negative_dscr")) > 0, -row_max(m.row("negative_dscr")), NOT_APPLICABLE),
         kind="scalar", fmt="number"),
    Item("gross_margin", "Gross margin", "毛利率", "fraction",
         lambda m: metrics.ratio(m.row("total_gross_profit_cny"), m.row("total_revenue_cny")), kind="scalar",
         fmt="frac"),
    Item("ebitda_margin", "EBITDA margin", "EBITDA利润率", "fraction",
         lambda m: metrics.ratio(m.row("total_ebitda_cny"), m.row("total_revenue_cny")), kind="scalar", fmt="frac"),
    Item("net_margin", "Net margin", "净利率", "fraction",
         lambda m: metrics.ratio(m.row("total_net_income_cny"), m.row("total_revenue_cny")), kind="scalar",
         fmt="frac"),
]
ROLLUP: list[Item] = ITEMS + RESULTS

# ---- shares: cohort totals over company totals (inputs filled from the two evaluations) ------------
SHARED = (("revenue", "total_revenue_cny", "revenue", "收入"), ("ebitda", "total_cohort_ebitda_cny",
           "EBITDA before company-level costs", "EBITDA（公司层面费用前）"),
           ("capex", "total_investment_cny", "capex", "投资"))
SHARES: list[Item] = [
    *[Item(f"{side}_{key}", f"{side} {key}", f"{side} {key}", "CNY", _filled(f"{side}_{key}"), kind="scalar")
      for _, key, _, _ in SHARED for side in ("cohort", "company")],
    *[Item(f"share_of_{name}", f"Share of company {en}", f"占公司{zh}比例", "fraction",
           lambda m, k=key: metrics.ratio(m.row(f"cohort_{k}"), m.row(f"company_{k}")), kind="scalar", fmt="frac")
      for name, key, en, zh in SHARED],
]

# ---- named sets, read by every renderer --------------------------------------------------------------
#: The company's headline KPIs, in reading order.
HEADLINE: tuple[str, ...] = ("payback_months", "discounted_payback_months", "npv_cny", "irr", "project_irr",
                             "peak_funding_cny", "moic", "min_dscr")
#: Company KPIs after the headline (the CLI's and JSON's company table).
KPIS: tuple[str, ...] = (*HEADLINE, "project_payback_months", "project_npv_cny", "peak_funding_month",
                         "total_revenue_cny", "total_ebitda_cny",
                         "total_company_cost_cny", "total_investment_cny", "total_tax_cny", "total_standalone_tax_cny",
                         "tax_sheltered_cny", "gross_margin", "ebitda_margin", "net_margin")
#: The per-cohort table: stand-alone KPIs (a company of that cohort alone) and shares.
COHORT_KPIS: tuple[str, ...] = ("payback_months", "discounted_payback_months", "npv_cny", "irr",
                                "project_payback_months", "project_irr", "peak_funding_cny", "moic", "min_dscr",
                                "total_investment_cny", "total_revenue_cny", "total_cohort_ebitda_cny",
                                "total_tax_cny", "share_of_revenue", "share_of_ebitda", "share_of_capex")
#: The monthly statement, in reading order.
STATEMENT: tuple[str, ...] = (
    "revenue_cny", "cohort_cash_cost_cny", "company_cost_cny", "cash_cost_cny", "ebitda_cny", "depreciation_cny",
    "retirement_gain_cny", "ebit_cny", "interest_cny", "ebt_cny", "tax_cny", "standalone_tax_cny", "net_income_cny",
    "investment_cny", "heavy_resale_cny", "project_tax_cny", "project_cash_flow_cny", "debt_flow_cny",
    "equity_cash_flow_cny", "cumulative_cash_flow_cny", "settlement_cny", "terminal_value_cny", "disposal_tax_cny",
    "company_loan_balance_cny", "debt_service_cny", "dscr")
#: Fleet by month (also per GPU).
FLEET: tuple[str, ...] = tuple(i.key for i in _FLEET)
#: Per-cohort monthly lines on the company calendar (stacked charts): from each cohort's stand-alone run.
COHORT_LINES: tuple[str, ...] = ("revenue_cny", "ebitda_cny", "tax_cny", "equity_cash_flow_cny",
                                 "cumulative_cash_flow_cny", "capacity_p")
#: Per-cohort counts on the company calendar (neither money nor capacity: not among the stacked flows).
COHORT_COUNTS: tuple[str, ...] = ("servers_in_service",)
#: Cohort lines that are balances: after a cohort's retirement they keep their last value (its
#: cumulative cash flow stays what it earned) instead of dropping to 0.
HELD_LINES: tuple[str, ...] = ("cumulative_cash_flow_cny",)
