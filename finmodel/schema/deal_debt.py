"""The ``[financing]`` section: how the heavy asset's debt is structured, sized and tested.

The principal parameters stay where they were — ``heavy.loan_share_of_capex`` (how much of the capex
is borrowed, under loan-to-cost sizing), ``heavy.loan_rate_per_year`` and ``heavy.loan_term_months``
— and this section adds the lender's terms of issue 12 (``docs/deal_debt.md``): the repayment
profile (annuity, equal principal 等额本金, bullet), an interest-only grace period, interest during
the lead time paid or capitalised, an upfront fee, sizing by a target DSCR capped by a maximum
loan-to-cost, the covenant DSCR, and a finance lease (融资租赁) with its deposit (保证金) and
buy-out price (留购价款). Every default reproduces the model before issue 12: an annuity loan drawn
at month 0 and repaid from month 1, no fee, sized by ``heavy.loan_share_of_capex``.

A file without ``[financing]`` loads unchanged (the section defaults).
"""

from __future__ import annotations

from typing import Literal

from finmodel.schema.errors import Problem
from finmodel.schema.fields import Finite, fld
from finmodel.schema.sections import Heavy, _Section

__all__ = ["BELOW", "Financing", "cross_problems"]

_DEBT = "debt"


class Financing(_Section):
    """The lender's terms: repayment profile, grace, lead-time interest, fee, sizing, covenant, lease."""

    type: Literal["loan", "finance_lease"] = fld(
        "loan", unit="", en="Financing type", zh="融资方式", group=_DEBT,
        choice_labels={"loan": ("银行贷款（算力贷）", "Bank loan"), "finance_lease": ("融资租赁", "Finance lease")},
        help="A finance lease runs the same schedule at heavy.loan_rate_per_year over heavy.loan_term_months, with "
        "a deposit paid at month 0 and returned at the end of the term and a buy-out price paid at the end "
        "(融资租赁 funds >70 % of leading Chinese operators' servers on 3-5-year tenors: yucidc, deals.md §4).",
        help_zh="融资租赁按 heavy.loan_rate_per_year、heavy.loan_term_months 同样还款，第0月付保证金、期满退还，"
        "期满支付留购价款（融资租赁占头部运营商服务器采购的70%以上，期限3-5年：deals.md §4）。"
    )
    repayment: Literal["annuity", "equal_principal", "bullet"] = fld(
        "annuity", unit="", en="Repayment profile", zh="还款方式", group=_DEBT,
        choice_labels={"annuity": ("等额本息", "Annuity (level payment)"),
                       "equal_principal": ("等额本金", "Equal principal"), "bullet": ("到期一次还本", "Bullet")},
        help="Annuity: level monthly payments (the model before issue 12). Equal principal (等额本金): the same "
        "principal every month plus interest on the balance (the feasibility-study standard, dxcv/Finance-3). "
        "Bullet: interest only, the principal at maturity.",
        help_zh="等额本息：每月还款额相同（issue 12 之前的口径）。"
        "等额本金：每月偿还相同本金并按余额付息（可研报告的标准做法）。到期一次还本：按月付息，到期还本。"
    )
    grace_months: int = fld(
        0, unit="months", en="Grace period (interest only)", zh="宽限期(只付息)", group=_DEBT, ge=0, le=60,
        help="Interest-only months at the start of the term (宽限期); the principal is repaid over the remaining "
        "heavy.loan_term_months − grace months. Must be shorter than the term; at most 5 years.",
        help_zh="还款期开始后只付息不还本的月数（宽限期）；本金在剩余的 期限 − 宽限期 个月内偿还。"
        "须短于贷款期限，最长5年。"
    )
    lead_time_interest: Literal["paid", "capitalised"] = fld(
        "paid", unit="", en="Interest during the lead time", zh="交付期利息", group=_DEBT,
        choice_labels={"paid": ("按期支付", "Paid"), "capitalised": ("资本化（计入本金）", "Capitalised")},
        help="The debt is drawn at purchase (month 0). Paid: the term runs from month 1, also through "
        "heavy.lead_time_months (the model before issue 12; with grace_months = the lead time that is interest "
        "only). Capitalised: no payment during the lead time, its interest is added to the balance (建设期利息), "
        "and the term (grace, then repayment) begins when service starts.",
        help_zh="债务在购置时（第0月）提取。按期支付：还款期自第1月开始，交付期内照常还款"
        "（issue 12 之前的口径；宽限期设为交付期即只付息）。资本化：交付期内不还款，利息计入本金（建设期利息），"
        "还款期（宽限期、再还本）自开始运营起算。"
    )
    upfront_fee_share: Finite = fld(
        0.0, unit="fraction", en="Upfront fee", zh="前端费用(手续费)", group=_DEBT, ge=0, le=0.1,
        step=0.001,
        help="Arrangement fee (or a lease's 手续费) paid at drawdown, expensed then as a finance cost. Assumption: "
        "1-2 % is common.",
        help_zh="提款时支付的安排费（或融资租赁手续费），当期计入财务费用。假设值：常见1-2%。"
    )
    sizing: Literal["loan_to_cost", "target_dscr"] = fld(
        "loan_to_cost", unit="", en="Debt sizing", zh="债务规模口径", group=_DEBT,
        choice_labels={"loan_to_cost": ("按投资比例", "Loan-to-cost"),
                       "target_dscr": ("按目标偿债覆盖率", "Target DSCR")},
        help="Loan-to-cost: heavy.loan_share_of_capex × capex. Target DSCR: the present value at the loan rate of "
        "the pre-tax CFADS over the loan's life ÷ target_dscr, capped at max_loan_to_cost × capex.",
        help_zh="按投资比例：heavy.loan_share_of_capex × 投资额。"
        "按目标覆盖率：贷款期内税前可偿债现金流按贷款利率折现 ÷ 目标覆盖率，上限为 max_loan_to_cost × 投资额。"
    )
    target_dscr: Finite = fld(
        1.30, unit="×", en="Target DSCR (sizing)", zh="目标偿债覆盖率", group=_DEBT, gt=0, le=10, step=0.05,
        help="Debt service coverage the sizing aims at. Typical floors are 1.20-1.40× (CoreWeave DDTL 2.0: ≥ 1.4×, "
        "deals.md R6).",
        help_zh="债务规模测算所用的目标覆盖率；常见下限1.20-1.40×（CoreWeave DDTL 2.0：≥1.4×，deals.md R6）。"
    )
    max_loan_to_cost: Finite = fld(
        0.85, unit="fraction of capex", en="Maximum loan-to-cost", zh="最高贷款比例", group=_DEBT, ge=0, le=1,
        step=0.05,
        help="Cap on DSCR-sized debt: about 85 % loan-to-cost in US neocloud SPVs (wukong123, S); lenders advance at "
        "most 80 % of hardware value (usd.ai, P) — deals.md R6.",
        help_zh="按覆盖率测算的债务上限：美国算力云SPV约为投资额的85%；贷方最多放款硬件价值的80%（deals.md R6）。"
    )
    covenant_dscr: Finite = fld(
        1.20, unit="×", en="Covenant DSCR", zh="约定最低偿债覆盖率", group=_DEBT, ge=0, le=10, step=0.05,
        help="A month with debt service and a DSCR below this is a covenant month; any one is a breach (typical "
        "floors 1.20-1.25×, deals.md C2).",
        help_zh="有还本付息且覆盖率低于此值的月份计为低于约定；出现任一即为违约（常见1.20-1.25×，deals.md C2）。"
    )
    lease_deposit_share: Finite = fld(
        0.0, unit="fraction of capex", en="Lease deposit (保证金)", zh="租赁保证金比例", group=_DEBT, ge=0, le=0.5,
        step=0.01,
        help="Finance lease: deposit paid to the lessor at month 0 and returned at the end of the term (or at the "
        "horizon, if earlier). Assumption: 5-10 % is common.",
        help_zh="融资租赁：第0月向出租人支付、期满（或测算期末，以较早者为准）退还的保证金。假设值：常见5-10%。"
    )
    lease_buyout_share: Finite = fld(
        0.0, unit="fraction of capex", en="Lease buy-out price (留购价款)", zh="留购价款比例", group=_DEBT, ge=0,
        le=1, step=0.01,
        help="Finance lease: price paid at the end of the term to take title, as the schedule's last (balloon) "
        "repayment of the financed amount (at most the balance). Often nominal in China.",
        help_zh="融资租赁：期满取得所有权支付的价款，作为还款计划最后一期（尾款）偿还的本金（不超过余额）。国内常为象征性金额。"
    )


#: Inputs that must stay below another input (checked by :func:`cross_problems` and re-tested by the
#: workbook's ``inputs_in_range``): the grace period is shorter than the loan's term.
BELOW: dict[str, str] = {"financing.grace_months": "heavy.loan_term_months"}


def cross_problems(heavy: Heavy, financing: Financing) -> list[Problem]:
    """Checks between ``[financing]`` and the loan's term in ``[heavy]``: the grace period must be
    shorter than the term (one problem naming field, value and allowed range)."""
    if financing.grace_months < heavy.loan_term_months:
        return []
    return [Problem("financing.grace_months", financing.grace_months,
                    f"out of range; allowed: an integer, 0 ≤ value < {BELOW['financing.grace_months']} "
                    f"({heavy.loan_term_months}) [months]")]
