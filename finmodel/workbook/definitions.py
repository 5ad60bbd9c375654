"""The Definitions sheet: what the model's words mean, in 中文 and English, next to live figures.

The conventions an analyst asks about first: gross profit is after depreciation (the 营业成本
convention), so the EBITDA margin can exceed the gross margin; the horizon-end settlement items (the
loan balance repaid at the horizon, the terminal value after its disposal tax) are in NPV, IRR, ROI
and MOIC and out of every payback and peak funding; equity and project (unlevered) flows; the CAS
depreciation methods; break-evens that cannot be reached; inputs that do nothing; the timing of flows
and discounting. Terms are the line items' own labels (``model.item``), so a renamed item renames
its definition; each live figure names a result or a timeline row's horizon total (``heavy.npv_cny``).
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from finmodel import model
from finmodel.workbook import styles as st
from finmodel.workbook.layout import COL_VALUE, DEFINITIONS, Layout, calc_name

__all__ = ["DEFINITION_TERMS", "SETTLEMENT_NOTE", "write_definitions"]

_GP = model.item("heavy", "gross_profit_cny")
_TV = model.item("heavy", "terminal_value_cny")
_SETTLE = model.item("heavy", "settlement_cny")

#: What the Summary and the Definitions say about the settlement items (as the CLI's footnote does).
SETTLEMENT_NOTE = (
    "回收期（股东与项目、静态与折现）和最大资金占用按经营现金流计算；期末结算项（测算期末一次性偿还的贷款余额、扣除处置"
    "所得税后的期末残值）属于估值项：计入净现值、内部收益率、净现金回报倍数（ROI）和MOIC，不计入任何回收期。",
    "Payback (equity and project, simple and discounted) and peak funding use the operating cash flows; the "
    "horizon-end settlement items (the loan balance repaid at the horizon, the terminal value after the tax on its "
    "disposal gain) are valuation items: in NPV, IRR, the net cash multiple (ROI) and MOIC, never in payback.")

#: (term 中文, term English, 中文 text, English text, live figures: (label, "model.key") ...)
DEFINITION_TERMS: tuple[tuple[str, str, str, str, tuple[tuple[str, str], ...]], ...] = (
    (_GP.zh, _GP.en,
     "毛利 = 收入 − 营业成本；营业成本含能耗、运维、托管、比例法现金成本和折旧（中国会计的营业成本口径）。人工与"
     "其他费用是期间费用，在毛利之下。因此 EBITDA 利润率可以高于毛利率：毛利扣除了折旧（非现金），EBITDA 不扣折旧；"
     "当折旧大于人工与其他费用时，EBITDA 利润率 > 毛利率。",
     "Gross profit = revenue − cost of revenue (营业成本): energy, O&M, colocation, the ratio-method cash cost and "
     "depreciation, as Chinese accounts report it. Staff and other costs are period expenses below gross profit. So "
     "the EBITDA margin can exceed the gross margin: gross profit deducts depreciation (non-cash), EBITDA does not; "
     "whenever depreciation is larger than staff + other costs, EBITDA margin > gross margin.",
     (("毛利率 Gross margin", "heavy.gross_margin"), ("EBITDA利润率 EBITDA margin", "heavy.ebitda_margin"))),
    ("期末结算项与回收期", "Settlement items and payback",
     SETTLEMENT_NOTE[0] + "因此回收期可能为 never 而净现值为正（例如期末一次性偿还长期贷款）。"
     "回收期为累计经营现金流最后一次由负转为非负的月份（月内线性插值）；"
     "最大资金占用 = −累计经营股东现金流的最小值；MOIC = (含结算项的现金流合计 + "
     "最大资金占用) ÷ 最大资金占用。",
     SETTLEMENT_NOTE[1] + " A case can pay back and still show a balloon at the horizon: payback is the month the "
     "cumulative operating cash flow last turns non-negative (interpolated within the month); peak funding = − the "
     "lowest cumulative operating equity cash flow; MOIC = (Σ cash flows incl. settlements + peak funding) ÷ peak "
     "funding.",
     (("回收期 Payback (equity)", "heavy.payback_months"), ("最大资金占用 Peak funding", "heavy.peak_funding_cny"),
      ("净现值 NPV (equity)", "heavy.npv_cny"), ("MOIC", "heavy.moic"),
      (f"{_SETTLE.zh} {_SETTLE.en}", "heavy.settlement_cny"),
      ("期末残值(税后) Terminal value after tax", "heavy.terminal_value_after_tax_cny"))),
    ("测算期末结清", "Settled at the horizon",
     f"测算期末尚未偿还的贷款余额在期末月一次性偿还（{_SETTLE.zh}）。期末残值（{_TV.zh}）按 terminal_value_method："
     "账面净值 × 残值比例、设备投资 × 转售比例，或按年递减的转售价值；残值与账面净值之差（处置损益）按所得税率在期末月"
     "计税，亏损只抵减当月应税利润。营运资金与增值税尚未建模（议题12）：价格与成本请统一按含税或不含税口径输入。",
     f"The loan balance still outstanding at the horizon is repaid in the horizon month ({_SETTLE.en}). The terminal "
     f"value ({_TV.en}) follows terminal_value_method: book value × the terminal-value fraction, capex × a resale "
     "fraction, or a resale value declining each year; the gain or loss against book value is taxed at the income-tax "
     "rate in the horizon month (a loss lowers only that month's tax). Working capital and VAT are not modelled yet "
     "(issue 12): enter prices and costs consistently, all including or all excluding VAT.",
     (("期末残值(税前) Terminal value", "heavy.terminal_value_cny"),
      ("处置所得税 Disposal tax", "heavy.disposal_tax_cny"))),
    ("股东与项目现金流", "Equity and project flows",
     "股东（有杠杆）现金流 = EBITDA − 所得税 − 设备投资 + 贷款提取 − 还本 − 利息。项目（无杠杆）现金流 = EBITDA − 按"
     "息税前利润计算的所得税（独立的亏损结转，无利息抵税）− 设备投资；项目净现值按项目折现率（留空 = 股东折现率）。",
     "Equity (levered) cash flow = EBITDA − income tax − capex + loan drawn − principal − interest. Project "
     "(unlevered) cash flow = EBITDA − tax on EBIT (its own loss carry-forward, no interest tax shield) − capex; "
     "project NPV at the project discount rate (empty = the equity rate).",
     (("项目回收期 Project payback", "heavy.project_payback_months"), ("项目IRR Project IRR", "heavy.project_irr"),
      ("项目折现率 Project discount rate", "heavy.project_discount_rate_per_year"))),
    ("折旧方法", "Depreciation methods",
     "straight_line 直线法；double_declining 双倍余额递减法（每年 2/N 乘以年初净值，最后两年按直线法摊至残值）；"
     "sum_of_years 年数总和法；declining_balance_monthly 按月余额递减（较大者转直线法，无期末突降）。按服务年计算，"
     "每月为当年折旧的 1/12。",
     "straight_line; double_declining (双倍余额递减法: 2/N a year on the net book value, straight line to salvage "
     "over the last two years); sum_of_years (年数总和法); declining_balance_monthly (switches to straight line when "
     "larger, no end-of-life spike). By service year, each month 1/12 of its year's charge.",
     (("年折旧 Annual depreciation", "heavy.annual_depreciation_cny"),)),
    ("盈亏平衡", "Break-even",
     "盈亏平衡出租率高于100%时显示“无法达到 unattainable”（单元格仍保留数值）；逐年盈亏平衡见 Light 表。"
     "无平台投入时平台回收期为 n/a（不是0个月）。",
     "A break-even occupancy above 100 % reads \"无法达到 unattainable\" (the cell keeps the number); each year's "
     "break-even is on the Light sheet. Without a platform investment the platform payback is n/a, not 0 months.",
     (("首年 Year 1", "light.breakeven_occupancy"), ("最差年份 Worst year", "light.worst_breakeven_occupancy"),
      ("平台回收期 Platform payback", "light.payback_months"))),
    ("无效输入与目录", "Inactive inputs and the catalogue",
     "在当前开关下不起作用的输入在 Inputs 表变灰，状态列说明原因（规则见 Inputs 表底部，来自 "
     "finmodel/schema/inert.py）。单卡算力与服务器功率留空时取 Catalogue 表中所选GPU的目录值；"
     "填写即覆盖目录值，状态列显示目录值。",
     "Inputs that have no effect under the chosen switches are greyed on Inputs, their status saying why (the rules "
     "at the bottom of Inputs, from finmodel/schema/inert.py). TFLOPS per card and server power left empty take the "
     "chosen GPU's figure from the Catalogue sheet; a written value overrides it and its status shows the catalogue's.",
     (("单卡算力 TFLOPS per card", "light.tflops_per_card"), ("服务器功率 Server power", "heavy.power_kw_per_server"))),
    ("时间约定", "Timing",
     "第0月为购置日：设备投资在第0月支付；各月现金流在月末发生；交付期内无收入。净现值按 (1+年折现率)^(t/12) 折"
     "现第t月；Excel 的 NPV() 会折现其第一个参数，所以公式写为 NPV(月利率, 第1..H月) + 第0月。IRR 为月度，年化为 "
     "(1+IRR)^12 − 1。",
     "Month 0 is the purchase date: capex is paid in month 0; monthly flows fall at month end; no revenue during the "
     "lead time. NPV discounts month t by (1 + annual rate)^(t/12); Excel's NPV() discounts its first argument, so "
     "the formulas read NPV(monthly rate, months 1..H) + month 0. IRR is monthly, annualised as (1 + IRR)^12 − 1.",
     ()),
    ("单位", "Units",
     "金额为人民币元（CNY）；万元列 = 元 ÷ 10,000（常数 cny_per_wan）；比例以小数存储（0.7 = 70%），显示为百分比；"
     "价格按卡时或按P（PFLOPS）每年。",
     "Money in CNY (元); 万元 columns = CNY ÷ 10,000 (the constant cny_per_wan); shares stored as fractions "
     "(0.7 = 70 %) and shown as percent; prices per card-hour or per P (PFLOPS) per year.",
     ()),
    ("检查与敏感性", "Checks and Sensitivity",
     "Checks 工作表的每项检查都是实时公式，主检查 checks_ok 为1表示全部通过；Sensitivity 工作表是导出时引擎计算的数值，"
     "输入改变后显示 STALE（已过期），需重新导出。",
     "Every check on the Checks sheet is a live formula; the master check checks_ok is 1 when all pass. The "
     "Sensitivity sheet holds engine values from the export; once the inputs change it reads STALE: re-export.",
     ()),
)


def figure_ref(layout: Layout, path: str) -> str:
    """A live figure: a result or per-scenario value by its name, a money row by its horizon total."""
    name, key = path.split(".", 1)
    ml = layout.models[name]
    it = model.item(name, key)
    if it.kind == "row":
        return f"{ml.sheet}!${get_column_letter(COL_VALUE)}${ml.rows[key]}"
    return calc_name(name, key)


def write_definitions(wb: Workbook, layout: Layout) -> None:
    """Write the Definitions sheet (text wrapped, rows sized to their text)."""
    ws: st.Sheet = wb[DEFINITIONS]
    st.label(ws, 1, 1, "定义与约定 Definitions and conventions", st.FONT_TITLE)
    st.label(ws, 2, 1, "本模型术语的含义（中文与英文），旁边为本工作簿的实时数值（金额行为测算期合计）。"
                       " What the model's words mean, with this workbook's live figures beside them (money rows: "
                       "horizon totals).",
             st.FONT_NOTE)
    st.header(ws, 4, ["术语", "Term", "说明（中文）", "Definition (English)", "本工作簿 This workbook", "数值 Value"])
    r = 5
    for zh, en, text_zh, text_en, figures in DEFINITION_TERMS:
        st.label(ws, r, 1, zh, st.FONT_BOLD).alignment = st.WRAP
        st.label(ws, r, 2, en, st.FONT_BOLD).alignment = st.WRAP
        st.label(ws, r, 3, text_zh).alignment = st.WRAP
        st.label(ws, r, 4, text_en).alignment = st.WRAP
        for j, (label, path) in enumerate(figures):
            st.label(ws, r + j, 5, label).alignment = st.WRAP
            c = ws.cell(r + j, 6, f"={figure_ref(layout, path)}")
            c.number_format, c.alignment = st.item_format(model.item(*path.split(".", 1))), st.RIGHT
            st.label(ws, r + j, 7, path, st.FONT_KEY)
        n = max(len(figures), 1)
        if n > 1:  # the texts span the figures' rows
            for col in range(1, 5):
                ws.merge_cells(start_row=r, start_column=col, end_row=r + n - 1, end_column=col)
        height = max(st.text_height([(text_zh, 46), (text_en, 60)]) / n, 15 * 2 + 2)
        for j in range(n):
            ws.row_dimensions[r + j].height = height
            st.align_top(ws, r + j, 6)
        r += n
    st.widths(ws, {"A": 18, "B": 20, "C": 48, "D": 62, "E": 26, "F": 14})
    ws.column_dimensions["G"].hidden = True  # the figure's result key, for auditors and tests
    st.print_setup(ws, title_rows="4:4")
    st.protect(ws)
