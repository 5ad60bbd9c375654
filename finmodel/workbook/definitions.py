"""The Definitions sheet: what the model's words mean, in 中文 and English, next to live figures.

The conventions an analyst asks about first: gross profit is after depreciation (the 营业成本
convention), so the EBITDA margin can exceed the gross margin; NPV and IRR include the terminal
value while payback does not; the timing of flows and discounting; what is settled at the horizon.
Terms are the line items' own labels (``model.item``), so a renamed item renames its definition.
"""

from __future__ import annotations

from openpyxl import Workbook

from finmodel import model
from finmodel.workbook import styles as st
from finmodel.workbook.layout import DEFINITIONS, Layout, calc_name

__all__ = ["DEFINITION_TERMS", "write_definitions"]

_GP = model.item("heavy", "gross_profit_cny")
_TV = model.item("heavy", "terminal_value_cny")

#: (term 中文, term English, 中文 text, English text, live figures: (label, formula, format) ...)
DEFINITION_TERMS: tuple[tuple[str, str, str, str, tuple[tuple[str, str, str], ...]], ...] = (
    (_GP.zh, _GP.en,
     "毛利 = 收入 − 营业成本；营业成本含能耗、运维、托管、比例法现金成本和折旧（中国会计的营业成本口径）。人工与"
     "其他费用是期间费用，"
     "在毛利之下。因此 EBITDA 利润率可以高于毛利率：毛利扣除了折旧（非现金），EBITDA 不扣折旧；当折旧大于人工与"
     "其他费用时，"
     "EBITDA 利润率 > 毛利率。",
     "Gross profit = revenue − cost of revenue (营业成本): energy, O&M, colocation, the ratio-method cash cost and "
     "depreciation, as Chinese accounts report it. Staff and other costs are period expenses below gross profit. So "
     "the EBITDA margin can exceed the gross margin: gross profit deducts depreciation (non-cash), EBITDA does not; "
     "whenever depreciation is larger than staff + other costs, EBITDA margin > gross margin.",
     (("毛利率 Gross margin", calc_name("heavy", "gross_margin"), st.FORMATS["frac"]),
      ("EBITDA利润率 EBITDA margin", calc_name("heavy", "ebitda_margin"), st.FORMATS["frac"]))),
    ("净现值、内部收益率与回收期", "NPV, IRR and payback",
     f"净现值与内部收益率包含期末残值（{_TV.zh}：测算期末账面净值 × 残值比例，计入期末月份）；投资回收期不含期末残值，"
     "只看实际现金流累计转正的月份（月内线性插值）。因此回收期可能为 never 而净现值为正。",
     f"NPV and IRR include the terminal value ({_TV.en}: the horizon-end book value × the terminal-value fraction, "
     "added in the horizon month); payback does not — it is the month the cumulative cash flow without terminal "
     "value turns non-negative (interpolated within the month). A project can show \"never\" and a positive NPV.",
     (("净现值 NPV (equity)", calc_name("heavy", "npv_cny"), st.CNY),
      ("回收期 Payback", calc_name("heavy", "payback_months"), st.FORMATS["months"]))),
    ("时间约定", "Timing",
     "第0月为购置日：设备投资在第0月支付；各月现金流在月末发生；交付期内无收入。净现值按 (1+年折现率)^(t/12) 折"
     "现第t月；"
     "Excel 的 NPV() 会折现其第一个参数，所以公式写为 NPV(月利率, 第1..H月) + 第0月。IRR 为月度，年化为 (1+IRR)^"
     "12 − 1。",
     "Month 0 is the purchase date: capex is paid in month 0; monthly flows fall at month end; no revenue during the "
     "lead time. NPV discounts month t by (1 + annual rate)^(t/12); Excel's NPV() discounts its first argument, so "
     "the formulas read NPV(monthly rate, months 1..H) + month 0. IRR is monthly, annualised as (1 + IRR)^12 − 1.",
     ()),
    ("测算期末结清", "Settled at the horizon",
     "测算期末尚未偿还的贷款余额在期末月一次性偿还（计入股东现金流）；期末残值计入净现值和内部收益率。营运资金与增值税尚未建模"
     "（议题12）：价格与成本请统一按含税或不含税口径输入。",
     "The loan balance still outstanding at the horizon is repaid in the horizon month (in the equity cash flow); "
     "the terminal value enters NPV and IRR. Working capital and VAT are not modelled yet (issue 12): enter prices "
     "and costs consistently, all including or all excluding VAT.",
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


def write_definitions(wb: Workbook, layout: Layout) -> None:
    """Write the Definitions sheet (text wrapped, rows sized to their text)."""
    ws: st.Sheet = wb[DEFINITIONS]
    st.label(ws, 1, 1, "定义与约定 Definitions and conventions", st.FONT_TITLE)
    st.label(ws, 2, 1, "本模型术语的含义（中文与英文），旁边为本工作簿的实时数值。 What the model's words mean, "
                       "with this "
                       "workbook's live figures beside them.", st.FONT_NOTE)
    st.header(ws, 4, ["术语", "Term", "说明（中文）", "Definition (English)", "本工作簿 This workbook", "数值 Value"])
    r = 5
    for zh, en, text_zh, text_en, figures in DEFINITION_TERMS:
        st.label(ws, r, 1, zh, st.FONT_BOLD).alignment = st.WRAP
        st.label(ws, r, 2, en, st.FONT_BOLD).alignment = st.WRAP
        st.label(ws, r, 3, text_zh).alignment = st.WRAP
        st.label(ws, r, 4, text_en).alignment = st.WRAP
        for j, (label, formula, fmt) in enumerate(figures):
            st.label(ws, r + j, 5, label)
            c = ws.cell(r + j, 6, f"={formula}")
            c.number_format, c.alignment = fmt, st.RIGHT
        ws.row_dimensions[r].height = st.text_height([(text_zh, 46), (text_en, 60)])
        st.align_top(ws, r, 6)
        r += 1 + max(len(figures) - 1, 0)
    st.widths(ws, {"A": 18, "B": 20, "C": 48, "D": 62, "E": 26, "F": 14})
    st.print_setup(ws, title_rows="4:4")
    st.protect(ws)
