"""UI strings: the overview's statements tab (annual statements, debt schedule, checks) and the deal
page (app_pages/deal.py).

Key → (中文, English); ``{name}`` placeholders are filled by :func:`finmodel.ui.i18n.t`. Line labels
come from the engine's items (:mod:`finmodel.model.reports`), not from here."""

STRINGS: dict[str, tuple[str, str]] = {
    "tab_statements": ("年度报表与债务", "Annual statements & debt"),
    "statement_pick": ("报表", "Table"),
    "tbl_income": ("利润表", "Income statement"),
    "tbl_cash_flow": ("现金流量表", "Cash-flow statement"),
    "tbl_balance": ("资产负债表", "Balance sheet"),
    "tbl_ratios": ("年度比率", "Ratios by year"),
    "tbl_debt": ("债务计划表", "Debt schedule"),
    "years_by": ("年度口径", "Years"),
    "by_fiscal": ("财年", "Fiscal years"),
    "by_calendar": ("日历年", "Calendar years"),
    "debt_grain": ("显示", "Show"),
    "grain_year": ("按年", "By year"),
    "grain_month": ("按月", "By month"),
    "period": ("期间", "Period"),
    "months_in_year": ("月数", "Months"),
    "year_partial": ("{y}（{m}个月）", "{y} ({m} m)"),
    "annual_note": ("财年以结束年份命名（财年起始月 {k}；1 = 日历年）；流量按年汇总，"
                    "余额取年末（最后一年止于测算期末），比率按年度合计计算"
                    "（DSCR = Σ CFADS ÷ Σ 偿债额），不是月度平均。金额单位：万元。",
                    "Fiscal years are named by the calendar year they end in (first month {k}; 1 = calendar years); "
                    "flows are summed over the year, balances taken at its close (the last year closes at the "
                    "horizon), ratios computed on the year's sums (DSCR = Σ CFADS ÷ Σ debt service), never averaged "
                    "over months. Amounts in 万元."),
    "dl_table_csv": ("下载本表 CSV", "Download this table (CSV)"),
    "no_debt": ("本情景没有借款（贷款比例为 0）：没有债务计划表与偿债覆盖率。",
                "This scenario borrows nothing (loan share 0): no debt schedule and no coverage ratios."),
    "light_no_debt": ("轻资产模式没有借款：债务计划表见重资产模式。",
                      "The light asset has no debt: see the heavy asset for the debt schedule."),
    "checks_title": ("报表校验", "Checks"),
    "chk_balance": ("资产负债表每月平衡（资产 − 负债 − 权益 = 0）", "Balance sheet balances every month "
                    "(assets − liabilities − equity = 0)"),
    "chk_debt_settled": ("贷款提取 = 还本 + 期末结清", "Debt drawn = repaid + balance settled"),
    "chk_line": ("{mark} {what}：最大差额 ¥{value}（容差 ¥{limit}）— {status}",
                 "{mark} {what}: largest difference ¥{value} (tolerance ¥{limit}) — {status}"),
    "chk_pass": ("通过", "pass"),
    "chk_fail": ("未通过", "FAIL"),
    # ---- the deal page
    "page_deal": ("交易结构", "Deal structure"),
    "deal_caption": ("客户合同、融资与债务、税务与补贴的输入（来自情景定义），偿债覆盖率与契约线，以及债务计划表。",
                     "Customer contract, financing and debt, tax and subsidy inputs (from the scenario schema), "
                     "the debt service coverage against the covenant, and the debt schedule."),
    "deal_inputs": ("交易输入", "Deal inputs"),
    "deal_group_empty": ("（暂无输入）", "(no inputs yet)"),
    "coverage_title": ("偿债覆盖", "Debt coverage"),
    "dscr_title": ("偿债覆盖率（DSCR）与契约线", "Debt service coverage (DSCR) and the covenant"),
    "dscr_axis": ("DSCR [倍]", "DSCR [×]"),
    "dscr_covenant": ("契约线 {x}×", "covenant {x}×"),
    "dscr_below": ("低于契约", "below covenant"),
    "dscr_above": ("满足契约", "meets covenant"),
    "dscr_cut": ("高于 {x}× 的值画在图顶（数值见提示）。",
                 "Values above {x}× are drawn at the top (the tooltip has them)."),
    "dscr_none": ("没有偿债额的期间没有 DSCR；本情景没有可画的 DSCR。",
                  "Periods without debt service have no DSCR; this scenario has none to draw."),
    "dscr_grain_year": ("按年：Σ CFADS ÷ Σ 偿债额（月度 DSCR 行加入模型后按月显示）。",
                        "By year: Σ CFADS ÷ Σ debt service (shown by month once the model has a monthly DSCR row)."),
    "dscr_grain_month": ("按月：各月 CFADS ÷ 当月偿债额。", "By month: each month's CFADS ÷ its debt service."),
    "covenant_default": ("契约线 {x}×（默认值，情景中未设定）", "Covenant {x}× (the default; the scenario sets none)"),
}
