"""The monthly Income statement, Cash flow, Balance sheet and Debt sheets: the engine's statement
lines laid out as a lender reads them, each cell a link to its line's row on the Heavy or Light
timeline (``=Heavy!G45``; ``=-Heavy!G30`` where the cash-flow statement shows cash going out).

Months sit in the timeline's columns (month 0 in column G on every sheet), under the period
(``yyyy-mm``, from the timeline's calendar rows) and the fiscal year. Nothing is recomputed here:
the lines, their order and signs come from :mod:`.report_plan`; the Checks sheet reads these sheets
(the balance sheet balances; the cash-flow statement's closing cash = the balance sheet's cash).
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from finmodel.model import engine, registry
from finmodel.workbook import styles as st
from finmodel.workbook.bulk import Bulk
from finmodel.workbook.layout import (
    COL_EN,
    COL_KEY,
    COL_MONTH0,
    COL_OPENING,
    COL_UNIT,
    COL_VALUE,
    COL_ZH,
    HEADER_ROW,
    Layout,
    calc_name,
)
from finmodel.workbook.report_plan import (
    DEBT,
    DEBT_SECTIONS,
    FIRST_LINE_ROW,
    FISCAL_ROW,
    OPENING_LINK,
    PERIOD_ROW,
    Line,
    MonthlySheet,
)

__all__ = ["write_statements", "TOTALS", "PERIOD_FORMAT", "FISCAL_FORMAT", "NOTES", "month_header"]

PERIOD_FORMAT = "yyyy-mm"
MONTHS_PER_PAGE = 12  # printed: about a year of months on each page of the strip
FISCAL_FORMAT = '"FY"0'
#: Lines shown bold: subtotals and totals a reader looks for.
TOTALS = frozenset({"revenue_cny", "cash_cost_cny", "gross_profit_cny", "ebitda_cny", "ebit_cny", "ebt_cny",
                    "net_income_cny", "net_income_after_disposal_cny", "operating_cash_flow_cny",
                    "investing_cash_flow_cny", "financing_cash_flow_cny", "net_cash_flow_cny", "closing_cash_cny",
                    "total_assets_cny", "total_liabilities_cny", "total_equity_cny", "debt_balance_cny",
                    "debt_closing_cny", "cfads_cny", "debt_service_cny"})
_MODEL_TITLES = {"heavy": "重资产 Heavy asset", "light": "轻资产 Light asset"}
#: Each sheet's title and note (中文, English).
NOTES: dict[str, tuple[str, str, str]] = {
    "Income statement": (
        "利润表 Income statement (monthly)",
        "每个数值链接到 Heavy/Light 时间轴上的引擎科目。毛利在折旧后（营业成本口径）；期末处置损益列在经营净利润之后。",
        "Each cell links to the engine's line on the Heavy/Light timeline. Gross profit is after depreciation "
        "(营业成本); the horizon disposal's gain and its tax follow net income from operations."),
    "Cash flow": (
        "现金流量表 Cash-flow statement (monthly)",
        "间接法。现金保持在最低额0：股东补足每月资金缺口并取得全部盈余，故股东流量即模型的股权现金流。流出为负。",
        "Indirect method. Cash is kept at its minimum, 0: shareholders fund each month's shortfall and receive "
        "every surplus, so their flow is the model's equity cash flow. Cash going out is negative."),
    "Balance sheet": (
        "资产负债表 Balance sheet (monthly, at month end)",
        "每个余额是其流量的累计；平衡校验 = 资产 − 负债 − 权益 = 0（Checks 表逐月检查）。测算期末为清算：余额为0。",
        "Each balance is the running total of its flows; the balance check = assets − liabilities − equity = 0 "
        "(tested every month on Checks). The heavy horizon is a liquidation: its closing balances are 0."),
    DEBT: (
        "借款计划 Debt schedule (monthly)",
        "期初余额 + 提款 − 还本 − 期末结清 = 期末余额；CFADS = EBITDA − 所得税；偿债额 = 利息 + 按期还本。"
        "无贷款时各行为0。",
        "Opening balance + drawdown − principal − balance repaid at the horizon = closing balance; CFADS = "
        "EBITDA − income tax; debt service = interest + scheduled principal. Every row is 0 without a loan."),
}


def write_statements(wb: Workbook, layout: Layout, bulks: dict[str, Bulk]) -> None:
    """Write the monthly statement sheets and the Debt sheet (months 1..H through ``bulks``)."""
    cols = [get_column_letter(COL_MONTH0 + j) for j in range(layout.horizon + 1)]
    for sheet in layout.reports.monthly.values():
        ws: st.Sheet = wb[sheet.name]
        grid = bulks.setdefault(sheet.name, Bulk(sheet.name))
        _headings(ws, layout, sheet, grid, cols)
        styles = st.StyleCopier()
        for block in sheet.blocks:
            title = _MODEL_TITLES[block.model] if sheet.name != DEBT else _debt_section(block.lines)
            st.section(ws, block.section_row, title, COL_OPENING)
            for line in block.lines:
                _line(ws, grid, layout, sheet, line, cols, styles)
        if sheet.terms:
            _terms(ws, sheet)
        _finish(ws, layout, sheet)


def month_header(ws: st.Sheet, grid: Bulk, layout: Layout, cols: list[str]) -> None:
    """Row 4 M0..MH, row 5 the period of each month, row 6 its fiscal year (from the Heavy calendar)."""
    heavy = layout.models["heavy"]
    st.header(ws, HEADER_ROW, ["项目", "Line item", "单位 Unit", "键 Key", "合计 Total", ""])
    head = ws.cell(HEADER_ROW, COL_MONTH0, "M0")
    head.font, head.fill, head.alignment = st.FONT_HEADER, st.FILL_HEADER, st.RIGHT
    rows = ((PERIOD_ROW, "期间", "Period (month end)", "yyyy-mm", PERIOD_FORMAT,
             f"DATE({heavy.sheet}!{{c}}{heavy.rows['calendar_year']},{heavy.sheet}!{{c}}"
             f"{heavy.rows['calendar_month']},1)"),
            (FISCAL_ROW, "财年", "Fiscal year", "year", FISCAL_FORMAT,
             f"{heavy.sheet}!{{c}}{heavy.rows['fiscal_year']}"))
    for r, zh, en, unit, fmt, text in rows:
        for col, label in ((COL_ZH, zh), (COL_EN, en), (COL_UNIT, unit)):
            st.label(ws, r, col, label, st.FONT_BOLD)
        first = ws.cell(r, COL_MONTH0, "=" + text.format(c=cols[0]))
        first.number_format, first.font, first.alignment = fmt, st.FONT_BOLD, st.RIGHT
        for j in range(1, len(cols)):
            grid.formula(r, COL_MONTH0 + j, text.format(c=cols[j]), first.style_id)
    for j in range(1, len(cols)):
        grid.text(HEADER_ROW, COL_MONTH0 + j, f"M{j}", head.style_id)


def _headings(ws: st.Sheet, layout: Layout, sheet: MonthlySheet, grid: Bulk, cols: list[str]) -> None:
    title, zh, en = NOTES[sheet.name]
    st.label(ws, 1, 1, title, st.FONT_TITLE)
    note = st.label(ws, 2, 1, f"{zh} {en}", st.FONT_NOTE)
    note.alignment = st.WRAP
    ws.merge_cells("A2:C2")  # inside the label columns every printed page repeats
    ws.row_dimensions[2].height = st.text_height([(str(note.value), 64)])
    month_header(ws, grid, layout, cols)


def _item(line: Line) -> engine.Item:
    return registry.item(line.model, line.key)


def _line(ws: st.Sheet, grid: Bulk, layout: Layout, sheet: MonthlySheet, line: Line, cols: list[str],
          styles: st.StyleCopier) -> None:
    """One line across the months: a link to the engine's row (or, on Debt, to last month's closing)."""
    prevs = [get_column_letter(COL_OPENING), *cols[:-1]]
    if line.key == OPENING_LINK:
        assert sheet.opening_link is not None
        text, fmt, flow = f"{{p}}{sheet.opening_link[1]}", st.CNY, False
        labels = ("期初余额（上月期末）", "Opening balance (last month's closing)", "CNY", OPENING_LINK)
        op = ws.cell(line.row, COL_OPENING, 0)
        op.fill, op.number_format, op.font = st.FILL_OPENING, st.CNY, st.FONT_KEY
    else:
        it, ml = _item(line), layout.models[line.model]
        text = f"{'-' if line.sign < 0 else ''}{ml.sheet}!{{c}}{ml.rows[line.key]}"
        fmt, flow = st.item_format(it), it.flow
        unit = it.unit + (" (cash out −)" if line.sign < 0 else "")
        labels = (it.zh, it.en, unit, f"{line.model}.{line.key}")
    for col, label in zip((COL_ZH, COL_EN, COL_UNIT), labels[:3], strict=True):
        st.label(ws, line.row, col, label, st.FONT_BOLD if line.key in TOTALS else None)
    st.label(ws, line.row, COL_KEY, labels[3], st.FONT_KEY)
    bold = line.key in TOTALS
    first = ws.cell(line.row, COL_MONTH0, "=" + text.format(c=cols[0], p=prevs[0]))
    styles.apply(first, (fmt, bold), {"number_format": fmt, **({"font": st.FONT_BOLD} if bold else {})})
    for j in range(1, len(cols)):
        grid.formula(line.row, COL_MONTH0 + j, text.format(c=cols[j], p=prevs[j]), first.style_id)
    if flow:
        t = ws.cell(line.row, COL_VALUE, f"=SUM({layout.first}{line.row}:{layout.last}{line.row})")
        t.number_format, t.font = fmt, st.FONT_BOLD


def _debt_section(lines: tuple[Line, ...]) -> str:
    keys = {x.key for x in lines}
    zh, en, _ = next(s for s in DEBT_SECTIONS if keys & set(s[2]))
    return f"{zh} {en}"


def _terms(ws: st.Sheet, sheet: MonthlySheet) -> None:
    """The loan's terms and coverage results (live names), and a note when there is no loan."""
    st.section(ws, FIRST_LINE_ROW, "贷款条款与覆盖率 Loan terms and coverage", COL_OPENING)
    for key, r in sheet.terms:
        it = registry.item("heavy", key)
        st.label(ws, r, COL_ZH, it.zh)
        st.label(ws, r, COL_EN, it.en)
        st.label(ws, r, COL_UNIT, it.unit)
        st.label(ws, r, COL_KEY, f"heavy.{key}", st.FONT_KEY)
        c = ws.cell(r, COL_VALUE, "=" + calc_name("heavy", key))
        c.number_format, c.font, c.alignment = st.item_format(it), st.FONT_BOLD, st.RIGHT
    r = sheet.terms[-1][1] if sheet.terms else FIRST_LINE_ROW
    no_loan = f'=IF({calc_name("heavy", "loan_cny")}>0,"","无贷款：各行为0 No loan: every row is 0")'
    ws.cell(r, COL_MONTH0, no_loan).font = st.FONT_NOTE


def _finish(ws: st.Sheet, layout: Layout, sheet: MonthlySheet) -> None:
    ws.freeze_panes = ws.cell(FISCAL_ROW + 1, COL_MONTH0)
    st.widths(ws, {"A": 28, "B": 50, "C": 24, "D": 30, "E": 16, "F": 6})
    ws.column_dimensions["D"].hidden = True
    for j in range(layout.horizon + 1):
        ws.column_dimensions[get_column_letter(COL_MONTH0 + j)].width = 13
    ws.row_dimensions[HEADER_ROW].height = 30
    st.print_setup(ws, fit="height", title_rows=f"{HEADER_ROW}:{FISCAL_ROW}", title_cols="A:C")
    ws.page_setup.fitToWidth = -(-(layout.horizon + 1) // MONTHS_PER_PAGE)  # a short sheet: a year a page, not 3 months
    ws.print_area = f"A1:{layout.last}{sheet.last_row}"
    st.protect(ws)
