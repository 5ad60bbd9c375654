"""The Cover sheet: scenario, date, version, how to use, sheet map and colour legend."""

from __future__ import annotations

import datetime as _dt

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink

from finmodel import __version__, model
from finmodel.model import heavy, light
from finmodel.schema import Scenario
from finmodel.workbook import styles as st
from finmodel.workbook.checks import colour_status, status_formula
from finmodel.workbook.inputs import FILL_INACTIVE, FONT_INACTIVE
from finmodel.workbook.layout import (
    ANNUAL,
    BALANCE,
    CASH_FLOW,
    CATALOGUE,
    CHECKS,
    COVER,
    DEBT,
    DEFINITIONS,
    HEAVY,
    INCOME,
    INPUTS,
    IRR_SOLVER,
    LIGHT,
    SENSITIVITY,
    SUMMARY,
    Layout,
    calc_name,
)
from finmodel.workbook.reader import CHECKS_OK, NAME_CELL

__all__ = ["write_cover"]

_HOW_TO = (
    ("1. 修改 Inputs（输入）表中的黄色单元格，其余全部自动重算：Heavy/Light 时间轴、汇总、图表与检查。",
     "1. Change yellow cells on Inputs. Everything else recalculates: the Heavy/Light timelines, the Summary, its "
     "charts and the Checks."),
    ("2. 输入须在允许范围内：每个单元格都有来自 finmodel 模式的数据验证；Checks 表会再次检查（粘贴可绕过验证）。",
     "2. Keep inputs in range: each cell has data validation from finmodel's schema, and the Checks sheet re-tests "
     "them (pasting bypasses validation)."),
    ("3. 公式表受保护（无密码，审阅 → 撤销工作表保护），防止误改。",
     "3. Formula sheets are protected against accidental edits without a password (Review → Unprotect Sheet)."),
    ("4. 缩短测算期：调低 general_horizon_months；延长测算期需从 finmodel 重新导出。",
     "4. To shorten the horizon, lower general_horizon_months; to lengthen it, re-export from finmodel."),
    ("5. 导回修改：finmodel import THIS.xlsx --out assumptions/NAME.toml（检查未通过时拒绝导入）。",
     "5. Bring your changes back with: finmodel import THIS.xlsx --out assumptions/NAME.toml (refused when a "
     "check fails)."),
    ("时间：第0月为购置日；月度现金流在月末；第t月按 (1+r)^(t/12) 折现。术语见 Definitions 表。",
     "Timing: month 0 is the purchase date; monthly flows fall at month end; NPV discounts month t by "
     "(1+r)^(t/12). Terms: see the Definitions sheet."),
)
_SHEET_MAP = {
    INPUTS: ("输入：全部假设，含单位、允许范围与来源", "every assumption, with unit, allowed range and source"),
    CATALOGUE: ("目录：GPU算力与功率表（公式查表）及本情景所用数值",
                "the GPU TFLOPS and power tables the formulas look up, and the values in use"),
    HEAVY: ("重资产：月度时间轴（公式）", "monthly timeline of the heavy-asset model (formulas)"),
    LIGHT: ("轻资产：月度时间轴（公式）", "monthly timeline of the light-asset model (formulas)"),
    SUMMARY: ("汇总：回收期、净现值、IRR、利润率、每P价差；图表", "payback, NPV, IRR, margins, spread per P; charts"),
    ANNUAL: ("年度：按财年汇总的三大报表、DSCR与利润率", "both models' statements by fiscal year, DSCR and margins"),
    INCOME: ("利润表：月度（链接引擎科目）", "monthly income statement (links to the engine's lines)"),
    CASH_FLOW: ("现金流量表：月度，经营/投资/筹资", "monthly cash-flow statement: operating, investing, financing"),
    BALANCE: ("资产负债表：月度，含平衡校验", "monthly balance sheet with its balance check"),
    DEBT: ("借款计划：期初、提款、还本、期末；CFADS与偿债额", "debt schedule: opening, drawdown, repayment, closing; "
           "CFADS and debt service"),
    CHECKS: ("检查：每项检查为实时公式，主检查 checks_ok", "every check a live formula; the master check checks_ok"),
    IRR_SOLVER: ("IRR求解器：按引擎方法求解每个IRR", "each IRR solved the engine's way (grid, bracket, bisection)"),
    DEFINITIONS: ("定义：毛利口径、残值、时间约定、期末结清", "gross profit, terminal value, timing, settlement"),
    SENSITIVITY: ("敏感性：龙卷风图与价格×出租率网格（引擎数值，非实时）",
                  "tornado and price × occupancy grid (engine values, not live)"),
}
_COLOURS: tuple[tuple[PatternFill | None, Font | None, str], ...] = (
    (st.FILL_INPUT, st.FONT_INPUT, "input: change me (输入)"),
    (None, None, "formula: do not overwrite (公式)"),
    (None, st.FONT_HELPER, "calculation aid (辅助行, grouped; click + to expand)"),
    (st.FILL_ENGINE, None, "engine value, not live: re-export to refresh (引擎计算值)"),
    (FILL_INACTIVE, FONT_INACTIVE, "inactive input: no effect under the chosen switches; its status says why "
                                   "(无效输入)"),
)


_HEADLINES = {"heavy": heavy.HEADLINE, "light": light.HEADLINE}


def write_cover(wb: Workbook, layout: Layout, scenarios: list[Scenario]) -> None:
    """Write the Cover sheet: title, scenario(s), facts, check status, headline KPIs, how to use, sheets."""
    ws: st.Sheet = wb[COVER]
    r = _title(ws, layout, scenarios)
    r = _status_and_kpis(ws, r + 1)
    st.label(ws, r + 1, 1, "使用方法 How to use", st.FONT_BOLD)
    r += 1
    for zh, en in _HOW_TO:
        r += 1
        st.label(ws, r, 1, zh)
        r += 1
        st.label(ws, r, 1, en, st.FONT_NOTE)
    r += 2
    st.label(ws, r, 1, "工作表 Sheets", st.FONT_BOLD)
    for name in layout.sheets[1:]:
        r += 1
        link = ws.cell(r, 1, name)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"{quote_sheetname(name)}!A1", display=name)
        link.font = st.FONT_LINK
        st.label(ws, r, 2, f"{_SHEET_MAP[name][0]} — {_SHEET_MAP[name][1]}")
    r += 2
    st.label(ws, r, 1, "颜色 Colours", st.FONT_BOLD)
    for fill, font, text in _COLOURS:
        r += 1
        c = ws.cell(r, 1, "")
        if fill is not None:
            c.fill = fill
        st.label(ws, r, 2, text, font)
    st.widths(ws, {"A": 30, "B": 90, "C": 16, "D": 14})
    st.print_setup(ws, landscape=False)
    ws.page_setup.fitToHeight = 1
    ws.sheet_view.showGridLines = False


def _title(ws: st.Sheet, layout: Layout, scenarios: list[Scenario]) -> int:
    """Title, scenario name(s) and description, and the facts of the export; returns the last row used."""
    s = scenarios[0]
    st.label(ws, 1, 1, "算力租赁财务模型 GPU compute leasing model", Font(bold=True, size=16))
    c = ws.cell(3, 1, f"={NAME_CELL}")  # the live scenario (the switch's choice when there are several)
    c.font = Font(bold=True, size=13)
    d = ws.cell(4, 1)
    st.put_text(d, s.description if len(scenarios) == 1 else
                "情景 Scenarios: " + " | ".join(x.name for x in scenarios) + " (switch on Inputs 在输入表切换)")
    d.alignment = st.WRAP
    ws.merge_cells("A4:C4")
    ws.row_dimensions[4].height = st.text_height([(d.value or "", 130)])
    facts = [
        ("生成日期 Generated", _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("版本 Version", f"finmodel {__version__}"),
        ("测算期 Horizon", f"{layout.horizon} months exported 导出月数 (month 0 = purchase 第0月为购置日); "
                        "live horizon 当前: see Inputs"),
        ("货币 Currency", "CNY 元; 万元 = 10,000 元"),
    ]
    r = 6
    for k, v in facts:
        st.label(ws, r, 1, k, st.FONT_BOLD)
        st.put_text(ws.cell(r, 2), v)
        r += 1
    st.label(ws, r, 1, "设备 Servers", st.FONT_BOLD)
    ws.cell(r, 2, '=heavy_servers&" × "&heavy_cards_per_server&" × "&heavy_gpu')
    return r


def _status_and_kpis(ws: st.Sheet, r: int) -> int:
    """The master check in green/red and the declared headline KPIs of both models (live formulas)."""
    r += 1
    st.label(ws, r, 1, "检查 Checks", st.FONT_BOLD)
    status = ws.cell(r, 2, "=" + status_formula(CHECKS_OK))
    colour_status(ws, status.coordinate, CHECKS_OK)
    r += 2
    st.label(ws, r, 1, "核心指标 Headline results", st.FONT_BOLD)
    for name, keys in _HEADLINES.items():
        for key in keys:
            it = model.item(name, key)
            r += 1
            st.label(ws, r, 1, f"{it.zh} ({name})")
            st.label(ws, r, 2, it.en)
            v = ws.cell(r, 3, f"={calc_name(name, key)}")
            v.number_format, v.font, v.alignment = st.item_format(it), st.FONT_BOLD, st.RIGHT
    return r + 1
