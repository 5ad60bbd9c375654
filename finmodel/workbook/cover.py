"""The Cover sheet: scenario, date, version, how to use, sheet map and colour legend."""

from __future__ import annotations

import datetime as _dt

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink

from finmodel import __version__
from finmodel.schema import Scenario
from finmodel.workbook import styles as st
from finmodel.workbook.layout import COVER, HEAVY, INPUTS, IRR_SOLVER, LIGHT, SENSITIVITY, SUMMARY, Layout

__all__ = ["write_cover"]

_HOW_TO = (
    "1. Change yellow cells on Inputs (输入). Everything else recalculates: the Heavy/Light timelines, the Summary "
    "and its charts.",
    "2. Keep inputs in range: each cell has data validation from finmodel's schema (hover for help).",
    "3. Formula sheets are protected against accidental edits without a password (Review → Unprotect Sheet).",
    "4. To shorten the horizon, lower general.horizon_months; to lengthen it, re-export from finmodel.",
    "5. Bring your changes back with:  finmodel import THIS.xlsx --out assumptions/NAME.toml",
    "Timing: month 0 is the purchase date; monthly flows fall at month end; NPV discounts month t by "
    "(1+r)^(t/12).",
)
_SHEET_MAP = {
    INPUTS: "输入: every assumption, with unit, allowed range and source",
    HEAVY: "重资产: monthly timeline of the heavy-asset model (formulas)",
    LIGHT: "轻资产: monthly timeline of the light-asset model (formulas)",
    SUMMARY: "汇总: payback, NPV, IRR, margins, spread per P; charts",
    IRR_SOLVER: "IRR求解器: each IRR solved the engine's way (grid, bracket, bisection)",
    SENSITIVITY: "敏感性: tornado and price × occupancy grid (engine values, not live)",
}
_COLOURS: tuple[tuple[PatternFill | None, Font | None, str], ...] = (
    (st.FILL_INPUT, st.FONT_INPUT, "input: change me (输入)"),
    (None, None, "formula: do not overwrite (公式)"),
    (None, st.FONT_HELPER, "calculation aid (辅助行, grouped; click + to expand)"),
    (st.FILL_ENGINE, None, "engine value, not live: re-export to refresh (引擎计算值)"),
)


def write_cover(wb: Workbook, layout: Layout, scenario: Scenario) -> None:
    """Write the Cover sheet."""
    ws: st.Sheet = wb[COVER]
    r = _title(ws, layout, scenario) + 1
    st.label(ws, r, 1, "使用方法 How to use", st.FONT_BOLD)
    for line in _HOW_TO:
        r += 1
        st.label(ws, r, 1, line).alignment = Alignment(wrap_text=False)
    r += 2
    st.label(ws, r, 1, "工作表 Sheets", st.FONT_BOLD)
    for name in layout.sheets[1:]:
        r += 1
        link = ws.cell(r, 1, name)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"{quote_sheetname(name)}!A1", display=name)
        link.font = st.FONT_LINK
        st.label(ws, r, 2, _SHEET_MAP[name])
    r += 2
    st.label(ws, r, 1, "颜色 Colours", st.FONT_BOLD)
    for fill, font, text in _COLOURS:
        r += 1
        c = ws.cell(r, 1, "")
        if fill is not None:
            c.fill = fill
        st.label(ws, r, 2, text, font)
    st.widths(ws, {"A": 28, "B": 70, "C": 14, "D": 14})
    st.print_setup(ws, landscape=False)
    ws.sheet_view.showGridLines = False


def _title(ws: st.Sheet, layout: Layout, s: Scenario) -> int:
    """Title, scenario name and description, and the facts of the export; returns the next free row."""
    st.label(ws, 1, 1, "算力租赁财务模型 GPU compute leasing model", Font(bold=True, size=16))
    c = ws.cell(3, 1)
    st.put_text(c, s.name)
    c.font = Font(bold=True, size=13)
    d = ws.cell(4, 1)
    st.put_text(d, s.description)
    d.alignment = st.WRAP
    ws.merge_cells("A4:D4")
    ws.row_dimensions[4].height = 45
    facts = [
        ("生成日期 Generated", _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("版本 Version", f"finmodel {__version__}"),
        ("测算期 Horizon", f"{layout.horizon} months (month 0 = purchase)"),
        ("设备 Servers", f"{s.heavy.servers} × {s.heavy.cards_per_server} × {s.heavy.gpu}"),
        ("货币 Currency", "CNY 元; 万元 = 10,000 元"),
    ]
    r = 6
    for k, v in facts:
        st.label(ws, r, 1, k, st.FONT_BOLD)
        st.put_text(ws.cell(r, 2), v)
        r += 1
    return r
