"""The Annual sheet: the three statements of both models by fiscal year, with the declared ratios
(DSCR, margins), as live formulas over the timelines.

A column per fiscal year (``general.fiscal_year_start_month``; 1 = calendar years), named by the
calendar year it ends in, as :func:`finmodel.model.reports.annual` rolls them: a flow is the
``SUMIF`` of its timeline row over the year's months, a balance the ``SUMIFS`` at the year's close
(``fiscal_year_close``: the last month of the year, or the horizon), opening cash the year's first
month (``INDEX``/``MATCH``), a ratio its numerator's annual sum over its denominator's (``n/a``
where the denominator is 0 — for DSCR: not above 0). The years follow the live inputs (purchase
date, fiscal-year start, horizon); columns past the horizon's last year are blank.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from finmodel.model import registry
from finmodel.workbook import styles as st
from finmodel.workbook.layout import MONTH_ROW, Layout
from finmodel.workbook.report_plan import (
    ANNUAL,
    FROM_ROW,
    INCOME,
    MONTHS_ROW,
    PERIOD_ROW,
    TO_ROW,
    YEAR_ROW,
    AnnualBlock,
    AnnualRow,
)
from finmodel.workbook.statement_sheets import FISCAL_FORMAT, PERIOD_FORMAT, TOTALS

__all__ = ["write_annual", "COL_YEAR0"]

COL_YEAR0 = 5  # column E: the first fiscal year
_TITLES = {"heavy": "重资产 Heavy asset", "light": "轻资产 Light asset"}


def _range(layout: Layout, model: str, row: int) -> str:
    ml = layout.models[model]
    return f"{ml.sheet}!${layout.first}${row}:${layout.last}${row}"


def _fy(layout: Layout, model: str) -> str:
    return _range(layout, model, layout.models[model].rows["fiscal_year"])


def write_annual(wb: Workbook, layout: Layout) -> None:
    """Write the Annual sheet."""
    ws: st.Sheet = wb[ANNUAL]
    plan = layout.reports.annual
    cols = [get_column_letter(COL_YEAR0 + k) for k in range(plan.years)]
    _headings(ws, layout, cols)
    for block in plan.blocks:
        shown = {r.key: r.row for b in reversed(plan.blocks) if b.model == block.model for r in reversed(b.rows)
                 if r.sign > 0 and r.how != "ratio"}  # where each line is shown with its own sign (first row)
        _block(ws, layout, block, cols, shown)
    ws.freeze_panes = ws.cell(MONTHS_ROW + 1, COL_YEAR0)
    st.widths(ws, {"A": 28, "B": 50, "C": 24, "D": 30, **{c: 14 for c in cols}})
    ws.column_dimensions["D"].hidden = True
    st.print_setup(ws, title_rows=f"{YEAR_ROW}:{MONTHS_ROW}", title_cols="A:C")
    ws.print_area = f"A1:{cols[-1]}{plan.last_row}"
    st.protect(ws)


def _headings(ws: st.Sheet, layout: Layout, cols: list[str]) -> None:
    """Title, note, and the year, its first and last month and its months within the horizon."""
    st.label(ws, 1, 1, "年度报表 Annual statements (fiscal years)", st.FONT_TITLE)
    note = st.label(ws, 2, 1, "按财年汇总（财年以结束年份命名；起始月 = general_fiscal_year_start_month，"
                              "1 = 自然年）：流量为年内合计，余额为年末（或测算期末）值，比率按年合计计算；"
                              "DSCR = Σ CFADS ÷ Σ 偿债额（无偿债时 n/a）。"
                              " Months rolled into fiscal years (named by the year they end in; start month "
                              "general_fiscal_year_start_month, 1 = calendar years): flows summed, balances at the "
                              "year's close (or the horizon), ratios on the year's sums; DSCR = Σ CFADS ÷ Σ debt "
                              "service (n/a without debt service).", st.FONT_NOTE)
    note.alignment = st.WRAP
    ws.merge_cells(f"A2:{cols[-1] if len(cols) > 3 else 'H'}2")
    ws.row_dimensions[2].height = st.text_height([(str(note.value), 40 + 14 * max(len(cols), 4))])
    heavy = layout.models["heavy"]
    fy, t = _fy(layout, "heavy"), f"{heavy.sheet}!${layout.first}${MONTH_ROW}:${layout.last}${MONTH_ROW}"
    period = f"'{INCOME}'!${layout.first}${PERIOD_ROW}:${layout.last}${PERIOD_ROW}"
    first0 = f"{heavy.sheet}!${layout.first}${heavy.rows['fiscal_year']}"
    rows = (
        (YEAR_ROW, "财年", "Fiscal year", "year", FISCAL_FORMAT, f"{first0}+COLUMN()-COLUMN(${cols[0]}{YEAR_ROW})"),
        (FROM_ROW, "起", "From", "yyyy-mm", PERIOD_FORMAT,
         f'IF({{c}}${MONTHS_ROW}>0,INDEX({period},1,MATCH({{c}}${YEAR_ROW},{fy},0)),"")'),
        (TO_ROW, "止", "To", "yyyy-mm", PERIOD_FORMAT,
         f'IF({{c}}${MONTHS_ROW}>0,INDEX({period},1,MATCH({{c}}${YEAR_ROW},{fy},0)+{{c}}${MONTHS_ROW}-1),"")'),
        (MONTHS_ROW, "月数", "Months in the horizon", "months", "0",
         f'COUNTIFS({fy},{{c}}${YEAR_ROW},{t},"<="&general_horizon_months)'),
    )
    for r, zh, en, unit, fmt, text in rows:
        for col, label in ((1, zh), (2, en), (3, unit)):
            c = st.label(ws, r, col, label, st.FONT_HEADER if r == YEAR_ROW else st.FONT_BOLD)
            if r == YEAR_ROW:
                c.fill = st.FILL_HEADER
        for k, col in enumerate(cols):
            c = ws.cell(r, COL_YEAR0 + k, "=" + text.replace("{c}", col))
            c.number_format, c.alignment = fmt, st.RIGHT
            c.font = st.FONT_HEADER if r == YEAR_ROW else st.FONT_BOLD
            if r == YEAR_ROW:
                c.fill = st.FILL_HEADER


def _block(ws: st.Sheet, layout: Layout, block: AnnualBlock, cols: list[str], shown: dict[str, int]) -> None:
    st.section(ws, block.section_row, f"{_TITLES[block.model]} — {block.title[0]} {block.title[1]}",
               COL_YEAR0 + len(cols) - 1)
    for row in block.rows:
        decl = row.ratio if row.ratio is not None else registry.item(row.model, row.key)
        bold = row.key in TOTALS
        unit = decl.unit + (" (cash out −)" if row.sign < 0 else "")
        for col, label in ((1, decl.zh), (2, decl.en), (3, unit)):
            st.label(ws, row.row, col, label, st.FONT_BOLD if bold else None)
        st.label(ws, row.row, 4, f"{row.model}.{row.key}", st.FONT_KEY)
        text = _formula(layout, row, shown)
        fmt = st.item_format(decl)
        for k, col in enumerate(cols):
            c = ws.cell(row.row, COL_YEAR0 + k, "=" + text.replace("{c}", col))
            c.number_format = fmt
            if bold:
                c.font = st.FONT_BOLD


def _formula(layout: Layout, row: AnnualRow, unsigned: dict[str, int]) -> str:
    """The year's value of one row (``{c}``: the year's column), blank past the horizon's years."""
    year, fy = f"{{c}}${YEAR_ROW}", _fy(layout, row.model)
    if row.ratio is not None:
        num, den = (f"{{c}}{unsigned[k]}" for k in (row.ratio.numerator, row.ratio.denominator))
        test = f"{den}>0" if row.ratio.positive_denominator else f"{den}<>0"
        value = f'IF({test},{num}/{den},"n/a")'
    else:
        line = _range(layout, row.model, layout.models[row.model].rows[row.key])
        if row.how == "flow":
            value = f"SUMIF({fy},{year},{line})"
        elif row.how == "opening":
            value = f"INDEX({line},1,MATCH({year},{fy},0))"
        else:
            close = _range(layout, row.model, layout.models[row.model].rows["fiscal_year_close"])
            value = f"SUMIFS({line},{fy},{year},{close},1)"
        value = ("-" if row.sign < 0 else "") + value
    return f'IF({{c}}${MONTHS_ROW}>0,{value},"")'

