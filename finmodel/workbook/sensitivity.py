"""The Sensitivity sheet: tornado and price × occupancy grids from :mod:`finmodel.analysis.sensitivity`,
written as values (marked "engine values, not live") with the run's settings."""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from finmodel import __version__, model, schema
from finmodel.analysis.grid_axes import GRID_X, GRID_X_STEPS, GRID_Y, grid_axes
from finmodel.schema import Scenario
from finmodel.workbook import styles as st
from finmodel.workbook.checks import SENSITIVITY_CURRENT, colour_status
from finmodel.workbook.layout import SENSITIVITY, Layout
from finmodel.workbook.validation import input_format

__all__ = ["write_sensitivity", "TORNADO_MOVES", "GRID_METRICS"]

TORNADO_MOVES = (-0.2, 0.2)  # relative low / high moves of each input
GRID_METRICS = ("heavy.payback_months", "heavy.npv_cny", "heavy.irr")


def write_sensitivity(wb: Workbook, layout: Layout, scenario: Scenario) -> None:
    """Run the tornado and the grid and write them as values."""
    from finmodel.analysis import sensitivity  # runs the engine many times; imported only when asked for

    ws: st.Sheet = wb[SENSITIVITY]
    tor = sensitivity.tornado(scenario, low=TORNADO_MOVES[0], high=TORNADO_MOVES[1])
    xs, ys = grid_axes(scenario)
    grid = sensitivity.grid(scenario, GRID_X, xs, GRID_Y, ys, list(GRID_METRICS))
    st.label(ws, 1, 1, "敏感性分析 Sensitivity — engine values, not live formulas", st.FONT_TITLE)
    note = ws.cell(2, 1, "These numbers were computed by finmodel's engine (finmodel.analysis.sensitivity) when the "
                         "workbook was exported. They do NOT change when you edit Inputs: re-export to refresh them. "
                         "(以下为导出时由引擎计算的数值，修改输入不会更新。)")
    note.fill, note.font = st.FILL_ENGINE, st.FONT_BOLD
    stale = ws.cell(3, 1, f'=IF({SENSITIVITY_CURRENT}=1,"基准输入与当前输入一致 The base inputs equal the current '
                          f'inputs","STALE 已过期：输入已改变，以下数值不再对应当前输入，请重新导出 The inputs c'
                          f'hanged since '
                          f'export: these values no longer match; re-export")')
    colour_status(ws, "A3", SENSITIVITY_CURRENT)
    stale.alignment = Alignment(horizontal="left")
    r = 5
    for k, v in _settings(layout, scenario):
        st.label(ws, r, 1, k, st.FONT_BOLD)
        st.put_text(ws.cell(r, 3), v)
        r += 1
    r += 1
    for metric in GRID_METRICS:
        r = _grid_table(ws, r, grid, metric, xs, ys, scenario) + 2
    for metric in tor["metric"].unique():
        r = _tornado_table(ws, r, tor[tor["metric"] == metric], metric) + 2
    ws.freeze_panes = "A5"
    st.widths(ws, {"A": 18, "B": 30, "C": 16, "D": 14, "E": 14, "F": 14, "G": 14, "H": 14, "I": 14, "J": 14,
                   "K": 14, "L": 14, "M": 32})
    st.print_setup(ws)


def _settings(layout: Layout, s: Scenario) -> list[tuple[str, str]]:
    """What was run: scenario, time, engine, horizon, the tornado's moves and the grid's axes."""
    x_spec, y_spec = schema.field_spec(GRID_X), schema.field_spec(GRID_Y)
    return [
        ("情景 Scenario", s.name),
        ("计算时间 Computed", _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("引擎 Engine", f"finmodel {__version__} (finmodel.analysis.sensitivity.tornado / grid)"),
        ("测算期 Horizon", f"{layout.horizon} months"),
        ("龙卷风 Tornado", f"each input moved {TORNADO_MOVES[0]:+.0%} / {TORNADO_MOVES[1]:+.0%} from its base value, "
                         "one at a time (integers rounded, values clipped to the allowed range); inputs that "
                         "change no result are left out; swing = range of the result over low, base, high "
                         "(∞ when the result becomes never / none)"),
        ("网格 Grid", f"x = {x_spec.label_zh} {x_spec.label_en} ({GRID_X}, {x_spec.unit}): base × "
                     f"{GRID_X_STEPS[0]:g} … {GRID_X_STEPS[-1]:g}; y = {y_spec.label_zh} {y_spec.label_en} "
                     f"({GRID_Y}); all other inputs at their base values"),
        ("说明 Notes", '"never" = not paid back within the horizon; "none" = no IRR; bold = the base case'),
    ]


def _put_result(cell: Cell, metric: str, value: float) -> None:
    """An engine result: a number, the item's NaN text (never / none / n/a), or ∞."""
    it = model.result_item(metric)
    if math.isnan(value):
        cell.value = it.nan_means
        cell.alignment = st.RIGHT
    elif math.isinf(value):
        cell.value = "∞"
        cell.alignment = st.RIGHT
    else:
        cell.value = float(value)
    cell.number_format = st.item_format(it)
    cell.fill = st.FILL_ENGINE


def _grid_table(ws: st.Sheet, r: int, grid: Any, metric: str, xs: list[float], ys: list[float], s: Scenario) -> int:
    """One metric over price × occupancy, colour-scaled (green = good); returns its last row."""
    it = model.result_item(metric)
    x_spec, y_spec = schema.field_spec(GRID_X), schema.field_spec(GRID_Y)
    st.section(ws, r, f"{it.zh} {it.en} [{it.unit}] — {x_spec.label_zh} × {y_spec.label_zh} "
                      f"(price × occupancy; engine values)", 3 + len(xs))
    r += 1
    st.header(ws, r, [f"{y_spec.label_zh} ↓ / {x_spec.label_zh} →", f"{y_spec.label_en} ↓ / {x_spec.label_en} "
                      f"({x_spec.unit}) →"])
    ws.row_dimensions[r].height = 30
    base_x, base_y = s.get(GRID_X), s.get(GRID_Y)
    for j, x in enumerate(xs):
        c = ws.cell(r, 3 + j, x)
        c.font, c.fill, c.number_format = st.FONT_HEADER, st.FILL_HEADER, st.FORMATS["price"]
        if x == base_x:
            c.font = Font(bold=True, color="FFFF00")
    table = grid.set_index([GRID_X, GRID_Y])[metric]
    for y in ys:
        r += 1
        yc = ws.cell(r, 2, y)
        yc.number_format, yc.font = st.FORMATS["frac"], st.FONT_BOLD
        for j, x in enumerate(xs):
            c = ws.cell(r, 3 + j)
            _put_result(c, metric, float(table.loc[(x, y)]))
            if x == base_x and y == base_y:
                c.font = st.FONT_BOLD
    good, bad = "63BE7B", "F8696B"
    low, high = (good, bad) if it.key.endswith("payback_months") else (bad, good)
    area = f"C{r - len(ys) + 1}:{get_column_letter(2 + len(xs))}{r}"
    ws.conditional_formatting.add(area, ColorScaleRule(start_type="min", start_color=low, mid_type="percentile",
                                                       mid_value=50, mid_color="FFEB84", end_type="max",
                                                       end_color=high))
    return r


def _tornado_table(ws: st.Sheet, r: int, tor: Any, metric: str) -> int:
    """The tornado rows of one metric (inputs, moves, results, swing); returns its last row."""
    it = model.result_item(metric)
    st.section(ws, r, f"龙卷风 Tornado: {it.zh} {it.en} [{it.unit}] (engine values)", 11)
    r += 1
    st.header(ws, r, ["输入", "Input", "单位 Unit", "基准值 Base", "低值 Low", "高值 High", "结果@低 Result at low",
                      "结果@高 Result at high", "基准结果 Base result", "摆幅 Swing", "字段 Field"])
    ws.row_dimensions[r].height = 30
    for row in tor.itertuples(index=False):
        r += 1
        spec = schema.field_spec(row.field)
        st.label(ws, r, 1, row.label_zh)
        st.label(ws, r, 2, row.label_en)
        st.label(ws, r, 3, row.unit)
        for col, v in ((4, row.base_input), (5, row.low_input), (6, row.high_input)):
            c = ws.cell(r, col, float(v))
            c.number_format, c.fill = input_format(spec), st.FILL_ENGINE
        for col, v in ((7, row.low_result), (8, row.high_result), (9, row.base_result), (10, row.swing)):
            _put_result(ws.cell(r, col), metric, float(v))
        st.label(ws, r, 11, row.field, st.FONT_KEY)
    return r
