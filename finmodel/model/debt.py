"""The lender's side of the heavy asset (issue 12): debt sizing, the debt corkscrew, coverage.

Pure functions (units in the docstrings) and the :class:`~finmodel.model.engine.Item` lists that
``heavy.py`` includes: :data:`SWITCHES`, :data:`SIZING` (the loan drawn), :data:`CORKSCREW` (the
monthly schedule), :data:`CASH` (debt flows of the equity cash flow), :data:`COVERAGE` (CFADS,
DSCR) and :data:`RESULTS`. Definitions, formulas and sources: ``docs/deal_debt.md``.

Timing (``docs/model.md``): the debt is drawn at purchase, month 0; flows fall at month ends. The
**term** of ``heavy.loan_term_months`` starts at month 1 (lead-time interest ``paid``: the lead time
is ordinary months of the schedule, the model before issue 12) or when service starts (lead-time
interest ``capitalised``: no payment before, interest added to the balance). Its first
``financing.grace_months`` are interest only; the remaining ``n`` months repay the balance at the
start of the term ``B0`` down to the balloon ``Z`` (0 for a loan; the buy-out price of a lease;
``B0`` for a bullet), which the last payment adds. Every balance is a closed form of the number
of repayments made ``j`` — no recursion:

* annuity: ``B0·g^j − P·(g^j − 1)/r`` with ``g = 1 + r``, ``P = (B0 − Z)·r·g^n/(g^n − 1) + Z·r``;
* equal principal (等额本金): ``B0 − j·(B0 − Z)/n``; bullet: ``B0`` until maturity;
* during a capitalised lead time: ``L·g^t``.

**CFADS** (cash flow available for debt service) is EBITDA − income tax + the working-capital and
VAT cash of the month (both 0 unless ``[working_capital]`` or ``[vat]`` is on: cash from customers
arrives late and input VAT is recovered over months, so the lender's cash is not EBITDA); debt
service is interest paid + principal repaid, without the balloon at maturity (a bullet or a lease
buy-out is refinanced or met from the asset, not from the month's cash: the LLCR covers it). Debt
**sizing** reads the *pre-tax* CFADS (the same before income tax) instead, since the tax
depends on the interest of the loan being sized: with tax the sized loan's DSCR is below its target
by the tax's share of CFADS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from finmodel.model import financing, flags
from finmodel.model.engine import Fmt, Item
from finmodel.model.expr import (
    BLANK,
    MONTHS_PER_YEAR,
    NOT_APPLICABLE,
    eq,
    land,
    maximum,
    minimum,
    prev,
    row_count,
    row_max,
    row_sum,
    safe_div,
    sumproduct,
    trailing_sum,
    where,
)

if TYPE_CHECKING:
    from finmodel.model.engine import FormulaContext, NumpyContext
    from finmodel.model.expr import Num

    Ctx = NumpyContext | FormulaContext

H, F, G = "heavy.", "financing.", "general."


# --------------------------------------------------------------------------- pure functions
def debt_capacity_cny(pv_cfads_cny: Num, target_dscr: Num) -> Num:
    """Debt a target DSCR supports: the present value of CFADS over the loan's life ÷ the target,
    floored at 0. [CNY]"""
    return maximum(pv_cfads_cny / target_dscr, 0)


def balloon_cny(bullet: Num, lease: Num, start_balance_cny: Num, buyout_cny: Num) -> Num:
    """What the last repayment adds: the whole balance (bullet), the lease's buy-out price (at most
    the balance), else 0. [CNY]"""
    return where(bullet, start_balance_cny, lease * minimum(buyout_cny, start_balance_cny))


def level_payment_cny(amortised_cny: Num, rate_m: Num, annuity_factor: Num, months: Num) -> Num:
    """Level payment repaying ``amortised`` over ``months`` (Excel PMT): ``A·r·g^n/(g^n − 1)``, the
    factor ``g^n/(g^n − 1)`` given; ``A/n`` without interest. [CNY/month]"""
    return where(rate_m > 0, amortised_cny * rate_m * annuity_factor, amortised_cny / months)


def repayments_made(term_month: Num, grace_months: Num, repayment_months: Num) -> Num:
    """Repayments made by the end of this month: 0 through the grace period, then one a month up
    to ``repayment_months``. [count]"""
    return minimum(maximum(term_month - grace_months, 0), repayment_months)


def scheduled_balance_cny(made: Num, months: Num, equal: Num, start_cny: Num, principal_cny: Num,
                          level_balance_cny: Num) -> Num:
    """Balance after ``made`` of ``months`` repayments: equal principal ``B0 − j·p`` or the annuity's
    (never below 0); exactly 0 once all are made (the last one includes the balloon). [CNY]"""
    return where(made < months, where(equal, start_cny - made * principal_cny, maximum(level_balance_cny, 0)), 0)


def deposit_return_month(end_month: Num, horizon_months: Num) -> Num:
    """A lease deposit comes back at the end of the term, or at the horizon if that is earlier. [month]"""
    return minimum(end_month, horizon_months)


# --------------------------------------------------------------------------- line items
def _x(m: Ctx, path: str) -> Num:
    return m.x(path)


def _scalar(key: str, en: str, zh: str, unit: str, fn: Callable[[Any], Any], fmt: Fmt = "cny", **kw: Any) -> Item:
    """A single value per scenario."""
    return Item(key, en, zh, unit, fn, kind="scalar", fmt=fmt, **kw)


SWITCHES: list[Item] = [
    *flags.flags(F + "type", {"finance_lease": "flag_finance_lease"}),
    *flags.flags(F + "repayment", {"equal_principal": "flag_equal_principal", "bullet": "flag_bullet"}),
    *flags.flags(F + "lead_time_interest", {"capitalised": "flag_capitalised_interest"}),
    *flags.flags(F + "sizing", {"target_dscr": "flag_dscr_sizing"}),
]

#: The loan drawn at month 0: loan-to-cost, or sized by the target DSCR on pre-tax CFADS.
SIZING: list[Item] = [
    _scalar("loan_rate_per_month", "Loan rate per month", "月利率", "fraction/month",
            lambda m: financing.monthly_rate(_x(m, H + "loan_rate_per_year")), fmt="rate"),
    _scalar("debt_start_month", "Month before the term starts (capitalised lead time)", "还款期起始前月份", "month",
            lambda m: m.row("flag_capitalised_interest") * _x(m, H + "lead_time_months"), fmt="number", helper=True),
    _scalar("debt_end_month", "Maturity month", "到期月份", "month",
            lambda m: m.row("debt_start_month") + _x(m, H + "loan_term_months"), fmt="number"),
    Item("debt_discount_factor", "Discount factor at the loan rate", "按贷款利率折现系数", "fraction",
         lambda m: 1 / (1 + m.row("loan_rate_per_month")) ** m.t, fmt="rate", helper=True),
    Item("in_loan_life", "Within the loan's life (month 1 to maturity)", "贷款存续期内", "flag",
         lambda m: m.row("operating") * where(m.t <= m.row("debt_end_month"), 1, 0), fmt="flag", helper=True),
    Item("cfads_pre_tax_cny", "CFADS before tax (EBITDA ± working capital and VAT cash): the sizing basis",
         "税前可偿债现金流", "CNY/month",
         lambda m: m.row("ebitda_cny") + m.row("working_capital_cash_cny") + m.row("vat_cash_cny"), flow=True),
    Item("loan_life_cfads_pre_tax_cny", "Pre-tax CFADS within the loan's life", "贷款存续期内税前可偿债现金流",
         "CNY/month", lambda m: m.row("in_loan_life") * m.row("cfads_pre_tax_cny"), helper=True,
         used_when="flag_dscr_sizing"),
    _scalar("debt_capacity_cny", "Debt capacity at the target DSCR (PV of pre-tax CFADS ÷ target)",
            "目标覆盖率下的债务能力", "CNY",
            lambda m: debt_capacity_cny(sumproduct(m.row("loan_life_cfads_pre_tax_cny"), m.row("debt_discount_factor")),
                                        _x(m, F + "target_dscr")), used_when="flag_dscr_sizing"),
    _scalar("dscr_sized_debt_cny", "DSCR-sized debt (capped by the maximum loan-to-cost)", "按覆盖率测算的债务规模",
            "CNY", lambda m: minimum(m.row("debt_capacity_cny"), _x(m, F + "max_loan_to_cost") * m.row("capex_cny")),
            used_when="flag_dscr_sizing"),
    _scalar("loan_cny", "Loan drawn (financed amount)", "贷款金额(融资额)", "CNY",
            lambda m: where(m.row("flag_dscr_sizing"), m.row("dscr_sized_debt_cny"),
                            m.row("capex_cny") * _x(m, H + "loan_share_of_capex"))),
]

#: The repayment schedule's scalars: balance at the start of the term, balloon, payment.
TERMS: list[Item] = [
    _scalar("debt_start_balance_cny", "Balance at the start of the term (capitalised interest included)",
            "还款期初余额(含资本化利息)", "CNY",
            lambda m: m.row("loan_cny") * (1 + m.row("loan_rate_per_month")) ** m.row("debt_start_month")),
    _scalar("debt_balloon_cny", "Balloon with the last repayment (bullet, lease buy-out)",
            "到期尾款(一次还本、留购价款)", "CNY",
            lambda m: balloon_cny(m.row("flag_bullet"), m.row("flag_finance_lease"), m.row("debt_start_balance_cny"),
                                  _x(m, F + "lease_buyout_share") * m.row("capex_cny"))),
    _scalar("debt_amortised_cny", "Amortised by the monthly repayments", "按月摊还本金", "CNY",
            lambda m: m.row("debt_start_balance_cny") - m.row("debt_balloon_cny"), helper=True),
    _scalar("debt_repayment_months", "Repayment months (term − grace)", "还本月数(期限−宽限期)", "months",
            lambda m: maximum(_x(m, H + "loan_term_months") - _x(m, F + "grace_months"), 1), fmt="number"),
    _scalar("debt_term_growth", "Growth over the repayment months (1 + r)^n", "还本期复利系数", "×",
            lambda m: (1 + m.row("loan_rate_per_month")) ** m.row("debt_repayment_months"), fmt="number",
            helper=True),
    _scalar("debt_annuity_factor", "Annuity factor (1 + r)^n ÷ ((1 + r)^n − 1)", "年金系数", "×",
            lambda m: safe_div(m.row("debt_term_growth"), m.row("debt_term_growth") - 1), fmt="number", helper=True),
    _scalar("debt_level_payment_cny", "Level payment on the amortised part", "等额本息还款额(摊还部分)", "CNY/month",
            lambda m: level_payment_cny(m.row("debt_amortised_cny"), m.row("loan_rate_per_month"),
                                        m.row("debt_annuity_factor"), m.row("debt_repayment_months")), helper=True),
    _scalar("debt_equal_principal_cny", "Equal principal per repayment month", "等额本金每月还本额", "CNY/month",
            lambda m: m.row("debt_amortised_cny") / m.row("debt_repayment_months"), helper=True),
    _scalar("debt_equal_payment_cny", "First equal-principal payment", "等额本金首期还款额", "CNY/month",
            lambda m: m.row("debt_equal_principal_cny") + m.row("debt_amortised_cny") * m.row("loan_rate_per_month"),
            helper=True),
    _scalar("loan_payment_cny", "Loan payment (first repayment month)", "月还款额(首个还本月)", "CNY/month",
            lambda m: where(m.row("flag_equal_principal"), m.row("debt_equal_payment_cny"),
                            m.row("debt_level_payment_cny"))
            + m.row("debt_balloon_cny") * m.row("loan_rate_per_month")),
]

#: The debt corkscrew: opening + drawdown + capitalised interest − principal repaid = closing.
CORKSCREW: list[Item] = [
    Item("debt_term_month", "Month of the term", "还款期月序", "months",
         lambda m: m.t - m.row("debt_start_month"), fmt="number", helper=True),
    Item("debt_repayments_made", "Repayments made", "已还本期数", "months",
         lambda m: repayments_made(m.row("debt_term_month"), _x(m, F + "grace_months"), m.row("debt_repayment_months")),
         fmt="number", helper=True),
    Item("debt_growth", "Growth (1 + r)^repayments made", "复利系数", "×",
         lambda m: (1 + m.row("loan_rate_per_month")) ** m.row("debt_repayments_made"), fmt="number", helper=True),
    Item("debt_level_paid_cny", "Level payments made, with interest to date", "已付等额还款终值", "CNY",
         lambda m: where(m.row("loan_rate_per_month") > 0,
                         m.row("loan_payment_cny") * safe_div(m.row("debt_growth") - 1, m.row("loan_rate_per_month")),
                         m.row("loan_payment_cny") * m.row("debt_repayments_made")), helper=True),
    Item("debt_level_balance_cny", "Annuity balance before the floor", "等额本息余额", "CNY",
         lambda m: where(m.row("loan_rate_per_month") > 0, m.row("debt_start_balance_cny") * m.row("debt_growth"),
                         m.row("debt_start_balance_cny")) - m.row("debt_level_paid_cny"), helper=True),
    Item("debt_scheduled_balance_cny", "Balance after the term's repayments", "还款期余额", "CNY",
         lambda m: scheduled_balance_cny(m.row("debt_repayments_made"), m.row("debt_repayment_months"),
                                         m.row("flag_equal_principal"), m.row("debt_start_balance_cny"),
                                         m.row("debt_equal_principal_cny"), m.row("debt_level_balance_cny")),
         helper=True),
    Item("loan_balance_cny", "Debt closing balance", "期末债务余额", "CNY",
         lambda m: where(m.t < m.row("debt_start_month"),
                         m.row("loan_cny") * (1 + m.row("loan_rate_per_month")) ** m.t,
                         m.row("debt_scheduled_balance_cny"))),
    Item("debt_opening_cny", "Debt opening balance", "期初债务余额", "CNY", lambda m: prev(m.row("loan_balance_cny"))),
    Item("debt_drawdown_cny", "Debt drawn", "提款", "CNY/month",
         lambda m: where(m.t < 1, m.row("loan_cny"), 0), flow=True),
    Item("capitalised_interest_cny", "Interest capitalised (lead time)", "资本化利息(交付期)", "CNY/month",
         lambda m: m.row("operating") * where(m.t <= m.row("debt_start_month"),
                                              m.row("loan_balance_cny") - m.row("debt_opening_cny"), 0),
         flow=True, used_when="flag_capitalised_interest"),
    Item("interest_cny", "Interest", "利息", "CNY/month",
         lambda m: where(m.t <= m.row("debt_start_month"), m.row("capitalised_interest_cny"),
                         m.row("operating") * financing.interest_cny(m.row("debt_opening_cny"),
                                                                     m.row("loan_rate_per_month"))), flow=True),
    Item("interest_paid_cny", "Interest paid", "支付利息", "CNY/month",
         lambda m: m.row("interest_cny") - m.row("capitalised_interest_cny"), flow=True),
    Item("debt_principal_cny", "Principal repaid (balloon included)", "偿还本金(含尾款)", "CNY/month",
         lambda m: m.row("operating") * where(m.t <= m.row("debt_start_month"), 0,
                                              m.row("debt_opening_cny") - m.row("loan_balance_cny")), flow=True),
    Item("debt_balloon_paid_cny", "Balloon repaid at maturity", "到期偿还尾款", "CNY/month",
         lambda m: m.row("operating") * where(eq(m.row("debt_term_month"), _x(m, H + "loan_term_months")),
                                              m.row("debt_balloon_cny"), 0), flow=True),
    Item("debt_fee_cny", "Upfront fee (expensed)", "前端费用(计入财务费用)", "CNY/month",
         lambda m: where(m.t < 1, m.row("loan_cny") * _x(m, F + "upfront_fee_share"), 0), flow=True),
]

#: Debt flows of the equity cash flow, the lease deposit, and the horizon settlement.
CASH: list[Item] = [
    Item("debt_flow_cny", "Loan drawdown (+) / scheduled principal (−)", "贷款提取/按期还本", "CNY/month",
         lambda m: where(m.t < 1, m.row("loan_balance_cny"),
                         m.row("operating") * (m.row("loan_balance_cny") - m.row("debt_opening_cny"))),
         flow=True),
    Item("lease_deposit_paid_cny", "Lease deposit paid", "支付租赁保证金", "CNY/month",
         lambda m: where(m.t < 1, _x(m, F + "lease_deposit_share") * m.row("capex_cny"), 0), flow=True,
         used_when="flag_finance_lease"),
    Item("lease_deposit_returned_cny", "Lease deposit returned", "退还租赁保证金", "CNY/month",
         lambda m: where(eq(m.t, deposit_return_month(m.row("debt_end_month"), m.x(G + "horizon_months"))),
                         _x(m, F + "lease_deposit_share") * m.row("capex_cny"), 0), flow=True,
         used_when="flag_finance_lease"),
    Item("debt_other_flow_cny", "Upfront fee and lease deposit (−) / deposit returned (+)", "前端费用与保证金收付",
         "CNY/month", lambda m: m.row("lease_deposit_returned_cny") - m.row("lease_deposit_paid_cny")
         - m.row("debt_fee_cny"), flow=True),
    Item("settlement_cny", "Loan balance repaid at the horizon", "期末一次性还款", "CNY/month",
         lambda m: -m.row("horizon_end") * m.row("loan_balance_cny"), flow=True),
]


#: CFADS, debt service, monthly and trailing-12-month DSCR, the covenant test, LLCR's numerator.
COVERAGE: list[Item] = [
    Item("cfads_cny", "CFADS: cash flow available for debt service (EBITDA − income tax ± working capital and VAT)",
         "可用于偿债的现金流", "CNY/month",
         lambda m: m.row("cfads_pre_tax_cny") - m.row("tax_cny"), flow=True),
    Item("debt_service_cny", "Debt service (interest paid + principal, without the balloon)",
         "偿债额(付息+还本，不含尾款)", "CNY/month",
         lambda m: m.row("interest_paid_cny") + m.row("debt_principal_cny") - m.row("debt_balloon_paid_cny"),
         flow=True),
    Item("dscr_value", "CFADS ÷ debt service (0 without service)", "偿债覆盖率(无还款为0)", "×",
         lambda m: safe_div(m.row("cfads_cny"), m.row("debt_service_cny")), fmt="number", helper=True),
    Item("dscr", "DSCR (monthly)", "偿债覆盖率(月)", "×",
         lambda m: where(m.row("debt_service_cny") > 0, m.row("dscr_value"), BLANK), fmt="number"),
    Item("negative_dscr", "DSCR, negated", "偿债覆盖率(负)", "×",
         lambda m: where(m.row("debt_service_cny") > 0, -m.row("dscr_value"), BLANK), fmt="number", helper=True),
    Item("cfads_12m_cny", "CFADS, trailing 12 months", "近12个月可偿债现金流", "CNY",
         lambda m: trailing_sum(m.row("cfads_cny"), MONTHS_PER_YEAR, getattr(m, "first", "")), helper=True),
    Item("debt_service_12m_cny", "Debt service, trailing 12 months", "近12个月偿债额", "CNY",
         lambda m: trailing_sum(m.row("debt_service_cny"), MONTHS_PER_YEAR, getattr(m, "first", "")), helper=True),
    Item("dscr_12m", "DSCR, trailing 12 months", "偿债覆盖率(近12个月)", "×",
         lambda m: where(m.row("debt_service_cny") > 0, m.row("cfads_12m_cny") / m.row("debt_service_12m_cny"), BLANK),
         fmt="number"),
    Item("below_covenant", "DSCR below the covenant", "低于约定覆盖率", "flag",
         lambda m: where(land(m.row("debt_service_cny") > 0, m.row("dscr_value") < _x(m, F + "covenant_dscr")), 1, 0),
         fmt="flag"),
    Item("loan_life_cfads_cny", "CFADS within the loan's life", "贷款存续期内可偿债现金流", "CNY/month",
         lambda m: m.row("in_loan_life") * m.row("cfads_cny"), helper=True),
]

RESULTS: list[Item] = [
    _scalar("min_dscr", "Minimum DSCR", "最低偿债覆盖率", "×",
            lambda m: where(row_count(m.row("negative_dscr")) > 0, -row_max(m.row("negative_dscr")), NOT_APPLICABLE),
            fmt="number"),
    _scalar("average_dscr", "Average DSCR (months with debt service)", "平均偿债覆盖率", "×",
            lambda m: where(row_count(m.row("negative_dscr")) > 0,
                            row_sum(m.row("dscr_value")) / row_count(m.row("negative_dscr")), NOT_APPLICABLE),
            fmt="number"),
    _scalar("llcr", "LLCR at drawdown (PV of CFADS over the loan's life ÷ debt)", "贷款期偿债覆盖率(LLCR)", "×",
            lambda m: where(m.row("loan_cny") > 0,
                            sumproduct(m.row("loan_life_cfads_cny"), m.row("debt_discount_factor")) / m.row("loan_cny"),
                            NOT_APPLICABLE), fmt="number"),
    _scalar("months_below_covenant", "Months below the covenant DSCR", "低于约定覆盖率月数", "months",
            lambda m: row_sum(m.row("below_covenant")), fmt="number", lower_is_better=True),
    _scalar("covenant_breach", "Covenant breached (any month below)", "是否违反覆盖率约定", "flag",
            lambda m: where(row_count(m.row("negative_dscr")) > 0, where(m.row("months_below_covenant") > 0, 1, 0),
                            NOT_APPLICABLE), fmt="flag", lower_is_better=True),
]
