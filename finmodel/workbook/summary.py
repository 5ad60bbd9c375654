"""The Summary sheet: the KPIs as live formulas, the tables the charts read, and the native charts.

Each result (payback, NPV with Excel's NPV() shifted to month-0 timing, IRR, margins, spread per
P) is a formula with the defined name ``calc_<model>_<key>``; the declarations' ``SUMMARY_ORDER``
puts the headline first and shows per-scenario values from the timeline sheets as references.
Charts: cumulative cash flow with the payback point, and the cost structure (``COST_LINES``).
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference, ScatterChart
from openpyxl.chart.series_factory import SeriesFactory as Series
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font
from openpyxl.worksheet.pagebreak import Break

from finmodel import model
from finmodel.schema import Scenario
from finmodel.workbook import styles as st
from finmodel.workbook.checks import colour_status, status_formula
from finmodel.workbook.definitions import SETTLEMENT_NOTE
from finmodel.workbook.layout import (
    COL_MONTH0,
    MONTH_ROW,
    SUMMARY,
    SUMMARY_HEADER_ROW,
    Layout,
    ModelLayout,
    SummaryRow,
    calc_name,
)
from finmodel.workbook.reader import CHECKS_OK, NAME_CELL

WAN_CONSTANT = "cny_per_wan"

__all__ = ["write_summary"]

_TITLES = {"heavy": "重资产 Heavy asset", "light": "轻资产 Light asset (per contracted capacity)"}
_SHORT = {"heavy": "重资产 Heavy", "light": "轻资产 Light"}


def write_summary(wb: Workbook, layout: Layout, scenario: Scenario) -> None:
    """Write the Summary sheet with its chart data and charts."""
    ws: st.Sheet = wb[SUMMARY]
    st.label(ws, 1, 1, "汇总 Summary", st.FONT_TITLE)
    ws.cell(2, 1, f"={NAME_CELL}").font = st.FONT_BOLD
    status = ws.cell(2, 3, "=" + status_formula(CHECKS_OK))
    ws.merge_cells("C2:E2")
    colour_status(ws, "C2:E2", CHECKS_OK)
    status.alignment = st.CENTER
    note = st.label(ws, 3, 1, "基于 Heavy 与 Light 工作表的实时公式；净现值 = NPV(月利率, 第1..H月) + 第0月；IRR"
                              " 为月度，年化 (1+IRR)^12 − 1；never = 测算期内未回本。" + SETTLEMENT_NOTE[0]
                    + " Live formulas over the Heavy and Light sheets. NPV = NPV(monthly rate, months 1..H) + month 0, "
                    "because Excel's NPV() discounts its first argument; IRR is monthly, annualised as (1+IRR)^12 − 1. "
                    "\"never\" = not paid back within the horizon. " + SETTLEMENT_NOTE[1], st.FONT_NOTE)
    note.alignment = st.WRAP
    ws.merge_cells("A3:G3")
    ws.row_dimensions[3].height = st.text_height([(str(note.value), 150)])
    head = SUMMARY_HEADER_ROW
    st.header(ws, head, ["指标", "Metric", "数值 Value", "万元", "单位 Unit", "键 Key", "出处 Defined on"])
    for ml in layout.models.values():
        st.section(ws, ml.summary_section_row, _TITLES[ml.name], 7)
        for entry in ml.summary:
            _summary_row(wb, ws, layout, ml, entry)
    _chart_data(ws, layout)
    for i, ml in enumerate(layout.models.values()):
        ws.add_chart(_cash_flow_chart(wb[ml.sheet], ws, layout, ml), f"I{5 + 18 * i}")
    # page 1: the KPIs, both cash-flow charts and the heavy cost chart; page 2 (a row break before
    # the chart data): the chart data and the other cost chart, so no chart straddles a page break
    anchors = [5 + 18 * len(layout.models), layout.chart_data_row + 1]  # below the break: no border on page 2
    for ml, anchor in zip(layout.models.values(), anchors, strict=True):
        ws.add_chart(_cost_chart(ws, ml), f"I{anchor}")
    ws.row_breaks.append(Break(id=layout.chart_data_row - 1))
    ws.freeze_panes = ws.cell(head + 1, 3)
    st.widths(ws, {"A": 24, "B": 50, "C": 16, "D": 12, "E": 14, "F": 30, "G": 22})
    ws.column_dimensions["F"].hidden = True
    st.print_setup(ws)
    st.protect(ws)


def _summary_row(wb: Workbook, ws: st.Sheet, layout: Layout, ml: ModelLayout, entry: SummaryRow) -> None:
    """One KPI: labels, the value (a result formula, or a reference to a per-scenario value), 万元."""
    it, r = entry.item, entry.row
    st.label(ws, r, 1, it.zh)
    st.label(ws, r, 2, it.en)
    c = ws.cell(r, 3)
    if entry.kind == "result":
        c.value = layout.context(ml.name).formula(it).render()
        st.define(wb, calc_name(ml.name, it.key), SUMMARY, c.coordinate)
    else:  # a per-scenario value that lives on its model sheet
        c.value = f"={calc_name(ml.name, it.key)}"
        st.label(ws, r, 7, f"from {ml.sheet}!E{ml.rows[it.key]}", st.FONT_KEY)
    c.number_format = st.item_format(it)
    c.font = st.FONT_BOLD
    c.alignment = st.RIGHT
    if it.fmt in st.MONEY_FMTS:
        ws.cell(r, 4, f"=C{r}/{WAN_CONSTANT}").number_format = st.WAN
    st.label(ws, r, 5, it.unit)
    st.label(ws, r, 6, f"{ml.name}.{it.key}", st.FONT_KEY)


def _chart_data(ws: st.Sheet, layout: Layout) -> None:
    """Small tables the charts read: payback points and horizon cost totals (all formulas)."""
    r0 = layout.chart_data_row
    st.section(ws, r0, "图表数据 Chart data (formulas; a payback never reached is #N/A, not plotted, not printed)", 7)
    st.header(ws, r0 + 1, ["回本点", "Payback point", "月 Month", "¥"])
    for ml in layout.models.values():
        r, pb = ml.payback_point_row, calc_name(ml.name, "payback_months")
        st.label(ws, r, 1, {"heavy": "重资产", "light": "轻资产"}[ml.name])
        st.label(ws, r, 2, f"{ml.name} payback")
        ws.cell(r, 3, f"=IF(ISNUMBER({pb}),{pb},NA())").number_format = "0.0"
        ws.cell(r, 4, f"=IF(ISNUMBER({pb}),0,NA())").number_format = st.CNY
        # the chart skips #N/A (never paid back); the page must not print it: white on white
        ws.conditional_formatting.add(f"C{r}:D{r}", FormulaRule(formula=[f"ISNA($C{r})"], font=Font(color="FFFFFF")))
        st.label(ws, r, 6, f"chart:{ml.name}_payback", st.FONT_KEY)
    for ml in layout.models.values():
        st.header(ws, ml.cost_header_row, ["成本结构", f"Cost structure ({ml.name}, horizon total)", "¥", "万元"])
        for key, r in ml.cost_rows:
            it = model.item(ml.name, key)
            st.label(ws, r, 1, it.zh)
            st.label(ws, r, 2, f"{it.zh} {it.en}")  # the chart's category label
            ws.cell(r, 3, f"={ml.sheet}!$E${ml.rows[key]}").number_format = st.CNY
            ws.cell(r, 4, f"=C{r}/{WAN_CONSTANT}").number_format = st.WAN


def _cash_flow_chart(sheet: st.Sheet, ws: st.Sheet, layout: Layout, ml: ModelLayout) -> ScatterChart:
    """Cumulative cash flow over the months, with the payback point as a red diamond."""
    h = layout.horizon
    ch = ScatterChart()
    ch.title = f"{_SHORT[ml.name]}: 累计现金流 cumulative cash flow"
    ch.style = 13
    ch.scatterStyle = "lineMarker"
    ch.x_axis.title = "月 Month"
    ch.y_axis.title = "万元"
    ch.y_axis.numFmt = st.WAN_AXIS
    ch.x_axis.scaling.min, ch.x_axis.scaling.max = 0, h
    ch.x_axis.tickLblPos = "low"  # month labels below the plot, not on the zero line
    ch.x_axis.delete = False
    ch.y_axis.delete = False
    ch.legend.position = "b"  # type: ignore[union-attr]
    x = Reference(sheet, min_col=COL_MONTH0, max_col=COL_MONTH0 + h, min_row=MONTH_ROW)
    y = Reference(sheet, min_col=COL_MONTH0, max_col=COL_MONTH0 + h, min_row=ml.rows["cumulative_cash_flow_cny"])
    line = Series(y, x, title="累计现金流 Cumulative cash flow")
    line.marker.symbol = "none"
    line.smooth = False
    line.graphicalProperties.line.solidFill = "1F4E78"
    line.graphicalProperties.line.width = 28575  # 2.25 pt
    ch.series.append(line)
    p = ml.payback_point_row
    pt = Series(Reference(ws, min_col=4, min_row=p), Reference(ws, min_col=3, min_row=p), title="回本点 Payback")
    pt.marker.symbol = "diamond"
    pt.marker.size = 11
    pt.marker.graphicalProperties.solidFill = "C00000"
    pt.marker.graphicalProperties.line.solidFill = "C00000"
    pt.graphicalProperties.line.noFill = True
    pt.smooth = False
    ch.series.append(pt)
    ch.height, ch.width = 8.5, 17
    return ch


def _cost_chart(ws: st.Sheet, ml: ModelLayout) -> BarChart:
    """Horizon totals of the declared cost lines, first on top."""
    start, end = ml.cost_rows[0][1], ml.cost_rows[-1][1]
    bar = BarChart()
    bar.type = "bar"
    bar.style = 10
    bar.title = f"{_SHORT[ml.name]}: 成本结构 cost structure (horizon total)"
    bar.y_axis.numFmt = st.WAN_AXIS
    bar.y_axis.title = "万元"
    bar.x_axis.delete = False
    bar.y_axis.delete = False
    bar.x_axis.scaling.orientation = "maxMin"  # first cost line on top
    bar.y_axis.crosses = "max"
    bar.legend = None
    bar.add_data(Reference(ws, min_col=3, min_row=start, max_row=end), titles_from_data=False)
    bar.set_categories(Reference(ws, min_col=2, min_row=start, max_row=end))
    bar.series[0].graphicalProperties.solidFill = "2E75B6"
    bar.height, bar.width = max(7.0, 3 + 0.7 * (end - start + 1)), 17
    return bar
