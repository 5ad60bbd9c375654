"""The Heavy and Light sheets: per-scenario values, then the monthly timeline across columns.

Months 0..H sit in columns G onwards, an opening column F holds zeros (the value "before month 0"
that running totals and ``prev()`` read), column E the horizon total of money flows. Each row's
formula is ``layout.context(model).formula(item)``: the same :class:`engine.Item` the numpy engine
runs, one formula shape per row.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from finmodel.model import engine
from finmodel.schema import Scenario
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
    MONTH_ROW,
    Layout,
    ModelLayout,
    calc_name,
)
from finmodel.workbook.reader import TIMELINE_MONTHS

__all__ = ["write_timelines"]

_TITLES = {"heavy": "重资产模型 Heavy asset: buy servers, rent card-hours",
           "light": "轻资产模型 Light asset: buy capacity per P, resell it"}


def write_timelines(wb: Workbook, layout: Layout, scenario: Scenario, bulks: dict[str, Bulk]) -> None:
    """Write the Heavy and Light sheets (months 1..H of each row through ``bulks``)."""
    for ml in layout.models.values():
        ws: st.Sheet = wb[ml.sheet]
        grid = bulks.setdefault(ml.sheet, Bulk(ml.sheet))
        _headings(ws, layout, ml, grid)
        ctx = layout.context(ml.name)
        cols = [get_column_letter(COL_MONTH0 + j) for j in range(layout.horizon + 1)]
        prevs = [get_column_letter(COL_OPENING), *cols[:-1]]
        styles = st.StyleCopier()
        for it in ml.items:
            _labels(ws, ml.rows[it.key], it)
            if it.kind == "scalar":
                c = ws.cell(ml.rows[it.key], COL_VALUE, ctx.formula(it).render())
                c.number_format = st.item_format(it)
                st.define(wb, calc_name(ml.name, it.key), ml.sheet, c.coordinate)
            else:
                _timeline_row(ws, grid, layout, ml.rows[it.key], it, ctx.formula(it).text, cols, prevs, styles)
        _finish(ws, layout, ml)


def _headings(ws: st.Sheet, layout: Layout, ml: ModelLayout, grid: Bulk) -> None:
    """Title, note, column headers M0..MH, the month numbers and the two section headers."""
    st.label(ws, 1, 1, _TITLES[ml.name], st.FONT_TITLE)
    note = st.label(ws, 2, 1, f"每个数值都是由 finmodel 的科目（finmodel/model/{ml.name}.py）生成的公式。"
                              "第0月为购置日，现金流在月末；F列为期初值0。 Every number is a formula generated "
                              f"from finmodel's line items (finmodel/model/{ml.name}.py) over the Inputs sheet. "
                              "Month 0 = purchase date; flows at month end; column F is the opening value (0) "
                              "running totals start from.",
                    st.FONT_NOTE)
    note.alignment = st.WRAP
    ws.merge_cells("A2:C2")  # inside the label columns that every printed page repeats
    ws.row_dimensions[2].height = st.text_height([(str(note.value), 64)])
    st.header(ws, HEADER_ROW, ["项目", "Line item", "单位 Unit", "键 Key", "数值/合计 Value / total", "期初 Opening"])
    c = ws.cell(HEADER_ROW, COL_MONTH0, "M0")
    c.font, c.fill = st.FONT_HEADER, st.FILL_HEADER
    c.alignment = st.RIGHT
    for col, text in ((COL_ZH, "月份"), (COL_EN, "Month"), (COL_UNIT, "month"), (COL_KEY, "t")):
        st.label(ws, MONTH_ROW, col, text, st.FONT_BOLD)
    m0 = ws.cell(MONTH_ROW, COL_MONTH0, 0)
    m0.font = st.FONT_BOLD
    for j in range(1, layout.horizon + 1):
        grid.text(HEADER_ROW, COL_MONTH0 + j, f"M{j}", c.style_id)
        grid.number(MONTH_ROW, COL_MONTH0 + j, j, m0.style_id)
    if ml.name == "heavy":  # the timeline's width: the importer refuses a horizon beyond it
        st.define_range(ws.parent, TIMELINE_MONTHS, ml.sheet, f"{layout.first}{MONTH_ROW}:{layout.last}{MONTH_ROW}")
    st.section(ws, MONTH_ROW + 1, "单值计算 Per-scenario values", COL_OPENING)
    st.section(ws, ml.first_timeline_row - 1, "月度时间轴 Monthly timeline", COL_OPENING)


def _labels(ws: st.Sheet, r: int, it: engine.Item) -> None:
    font = st.FONT_HELPER if it.helper else None
    st.label(ws, r, COL_ZH, it.zh, font)
    st.label(ws, r, COL_EN, it.en, font)
    st.label(ws, r, COL_UNIT, it.unit, font)
    st.label(ws, r, COL_KEY, it.key, st.FONT_KEY)


def _timeline_row(ws: st.Sheet, grid: Bulk, layout: Layout, r: int, it: engine.Item, text: str, cols: list[str],
                  prevs: list[str], styles: st.StyleCopier) -> None:
    """One formula across months 0..H (month 0 by openpyxl, the rest in bulk with its style), the
    opening zero, and the horizon total of a flow."""
    fmt = st.item_format(it)
    style = {"number_format": fmt, **({"font": st.FONT_HELPER} if it.helper else {})}
    first = ws.cell(r, COL_MONTH0, "=" + text.replace("{c}", cols[0]).replace("{p}", prevs[0]))
    styles.apply(first, (fmt, it.helper), style)
    sid = first.style_id
    grid.formula_across(r, COL_MONTH0 + 1, text, cols[1:], prevs[1:], sid)
    op = ws.cell(r, COL_OPENING, 0)
    st.set_style(op, "fill", st.FILL_OPENING)
    op.number_format = fmt
    st.set_style(op, "font", st.FONT_KEY)
    if it.flow:
        t = ws.cell(r, COL_VALUE, f"=SUM({layout.first}{r}:{layout.last}{r})")
        t.number_format = fmt
        st.set_style(t, "font", st.FONT_BOLD)
    if it.helper:
        ws.row_dimensions[r].outlineLevel = 1


def _finish(ws: st.Sheet, layout: Layout, ml: ModelLayout) -> None:
    """Panes, widths, grouping, print setup and protection."""
    ws.freeze_panes = ws.cell(MONTH_ROW + 1, COL_MONTH0)
    st.widths(ws, {"A": 18, "B": 34, "C": 14, "D": 30, "E": 16, "F": 8})
    ws.column_dimensions["D"].hidden = True
    for j in range(layout.horizon + 1):
        ws.column_dimensions[get_column_letter(COL_MONTH0 + j)].width = 13
    ws.sheet_properties.outlinePr.summaryBelow = False
    ws.row_dimensions[HEADER_ROW].height = 30
    st.print_setup(ws, fit="height", title_rows=f"{HEADER_ROW}:{MONTH_ROW}", title_cols="A:C")
    last_col = get_column_letter(COL_MONTH0 + layout.horizon)
    ws.print_area = f"A1:{last_col}{max(ml.rows.values())}"
    st.protect(ws)
