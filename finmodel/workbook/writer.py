"""The live Excel workbook: every calculated cell a formula generated from the engine's line items.

Sheets, in the FAST spirit (inputs apart from calculations, one formula per row, no constants in
formulas, the same columns on every timeline sheet):

* **Cover** — scenario, date, version, how to use, sheet map, conventions.
* **Inputs** — every scenario input (labels zh/en, value, unit, allowed range, source), each value
  a workbook-scoped defined name (``heavy_occupancy``) with data validation from the schema; the
  model constants (``months_per_year`` ...) as named, locked cells.
* **Heavy** / **Light** — per-scenario values, then the monthly timeline across columns: months
  0..H in columns G onwards, an opening column F of zeros (the value "before month 0" that running
  totals and ``prev()`` read), a horizon total in column E for money flows. Each row's formula is
  ``engine.FormulaContext(...).formula(item)`` — the same :class:`engine.Item` the numpy engine runs.
* **Summary** — the KPIs (payback, NPV with Excel's NPV() shifted to month-0 timing, IRR,
  margins, spread per P), each a formula with a defined name ``calc_<model>_<key>``; native charts
  (cumulative cash flow with the payback point, cost structure).
* **IRR solver** — every IRR the Summary reports, solved the engine's way (:func:`finmodel.model.irr.irr`:
  NPV on the engine's grid of rates, the sign change nearest a zero rate, bisection), with Excel's
  native ``IRR()`` started at the root beside it as a cross-check; cells from :class:`expr.IrrSolver`.
* **Sensitivity** — tornado and price × occupancy grid computed by :mod:`finmodel.analysis.sensitivity`,
  written as values (marked "engine values, not live") with the run's settings.

Text typed by users (scenario name, description, sources) is written as inline strings, with
Excel's quote prefix when it starts like a formula, so it can never execute. Input floats are
written with 17 significant digits (openpyxl writes 16) so that scenario → xlsx → scenario is exact.
"""

from __future__ import annotations

import copy
import datetime as _dt
import io
import math
import os
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference, ScatterChart, Series
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.hyperlink import Hyperlink

from finmodel import __version__, schema
from finmodel.model import engine, expr, heavy, light
from finmodel.model import irr as irr_solver
from finmodel.schema import Scenario, catalog
from finmodel.workbook.reader import (
    DESCRIPTION_CELL,
    FIELD_HEADER,
    INPUTS,
    NAME_CELL,
    OTHER_SOURCES_HEADER,
    SOURCE_HEADER,
    WorkbookError,
    read_workbook,
)

__all__ = ["workbook_bytes", "write_workbook", "read_workbook", "WorkbookError", "calc_name", "safe_filename",
           "cell_text", "SHEETS", "MODELS", "XLSX_MIME"]

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COVER, HEAVY, LIGHT, SUMMARY, SENSITIVITY = "Cover", "Heavy", "Light", "Summary", "Sensitivity"
IRR_SOLVER = "IRR solver"
SHEETS = (COVER, INPUTS, HEAVY, LIGHT, SUMMARY, IRR_SOLVER, SENSITIVITY)
MODELS: dict[str, tuple[str, list[engine.Item], list[engine.Item]]] = {
    "heavy": (HEAVY, heavy.ITEMS, heavy.RESULTS),
    "light": (LIGHT, light.ITEMS, light.RESULTS),
}

# ---- timeline sheet geometry (Heavy and Light share it, so cross-sheet columns align) ----------
HEADER_ROW = 4
MONTH_ROW = 5
COL_ZH, COL_EN, COL_UNIT, COL_KEY, COL_VALUE, COL_OPENING, COL_MONTH0 = 1, 2, 3, 4, 5, 6, 7

# ---- number formats (render in Excel and LibreOffice; 万 form verified in LibreOffice 7.4) ----
CNY = '"¥"#,##0;[Red]-"¥"#,##0'
WAN = '0\\.0,"万";[Red]-0\\.0,"万"'  # 5,886,720 → 588.7万 (÷1,000 by the comma, a literal dot)
FORMATS: dict[str, str] = {
    "cny": CNY,
    "cny_per_p_year": CNY,
    "price": '"¥"#,##0.00;[Red]-"¥"#,##0.00',
    "frac": "0.0%",
    "months": "0.0",
    "number": "#,##0.00",
    "flag": "0",
    "p": "#,##0.000",
    "rate": "0.000000",
}
_MONEY_FMTS = ("cny", "cny_per_p_year")

# ---- styles -----------------------------------------------------------------------------------
_FILL_INPUT = PatternFill("solid", fgColor="FFF2CC")
_FILL_HEADER = PatternFill("solid", fgColor="1F4E78")
_FILL_SECTION = PatternFill("solid", fgColor="DDEBF7")
_FILL_ENGINE = PatternFill("solid", fgColor="E2EFDA")
_FILL_OPENING = PatternFill("solid", fgColor="F2F2F2")
_FONT_INPUT = Font(color="0000CC")
_FONT_HEADER = Font(bold=True, color="FFFFFF")
_FONT_TITLE = Font(bold=True, size=14)
_FONT_BOLD = Font(bold=True)
_FONT_NOTE = Font(italic=True, color="595959")
_FONT_HELPER = Font(italic=True, color="808080")
_FONT_KEY = Font(color="808080", size=9)
_BORDER_INPUT = Border(*(Side(style="thin", color="BF9000"),) * 4)
_WRAP = Alignment(wrap_text=True, vertical="top")
_UNLOCKED = Protection(locked=False)

_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


def calc_name(model: str, key: str) -> str:
    """Defined name of a calculated single value: ``calc_heavy_npv_cny``."""
    return f"calc_{model}_{key}"


# --------------------------------------------------------------------------- public API
def workbook_bytes(scenario: Scenario, *, sensitivity: bool = True) -> bytes:
    """The scenario's live workbook as xlsx bytes (for a download button or a file).

    ``sensitivity=False`` leaves out the Sensitivity sheet (it runs the engine many times)."""
    book = _Book(scenario)
    book.build(sensitivity=sensitivity)
    buf = io.BytesIO()
    book.wb.save(buf)
    exact = {book.wb.sheetnames.index(name) + 1: cells for name, cells in book.exact.items()}
    return _exact_floats(buf.getvalue(), exact)


def write_workbook(scenario: Scenario, path: str | os.PathLike[str], *, sensitivity: bool = True) -> Path:
    """Write the workbook atomically (readers see the old file or the whole new one)."""
    p = Path(path)
    schema.atomic_write_bytes(p, workbook_bytes(scenario, sensitivity=sensitivity))
    return p


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")  # XML cannot hold these (CR would come back as LF)
_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def cell_text(text: str) -> str:
    """Text as stored in a cell: control characters as OOXML ``_xHHHH_`` escapes (how Excel stores a
    carriage return), a literal ``_xHHHH_`` protected as ``_x005F_xHHHH_``. Excel, LibreOffice and
    :func:`read_workbook` turn them back, so any text round-trips exactly."""
    return _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", _ESCAPE_LIKE.sub(r"_x005F_\1", text))


def safe_filename(name: str, suffix: str = ".xlsx", fallback: str = "scenario") -> str:
    """A portable file name from a scenario name: letters (any script), digits, ``-`` and ``_``."""
    text = unicodedata.normalize("NFKC", name)
    text = re.sub(r"[^\w\-]+", "_", text, flags=re.UNICODE).strip("._-")
    text = re.sub(r"_+", "_", text)[:80].rstrip("._-")
    if not text or text.upper() in {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
                                    *(f"LPT{i}" for i in range(10))}:
        text = fallback
    return text + suffix


# --------------------------------------------------------------------------- helpers
def _put_text(cell: Any, value: str | None) -> None:
    """Write user text so that it can never run as a formula."""
    if value is None:
        return
    cell.value = cell_text(str(value))
    cell.data_type = "s"  # inline string, even if it starts with "="
    if str(value).startswith(_FORMULA_TRIGGERS):
        cell.quotePrefix = True  # Excel's own marker for "text that looks like a formula"


def _label(ws: Any, row: int, col: int, text: str, font: Font | None = None) -> Any:
    """A text cell (always text, even if it starts with ``=``)."""
    c = ws.cell(row, col)
    _put_text(c, text)
    if font is not None:
        c.font = font
    return c


def _header(ws: Any, row: int, titles: Sequence[str], first_col: int = 1) -> None:
    for j, t in enumerate(titles):
        c = ws.cell(row, first_col + j, t)
        c.font, c.fill = _FONT_HEADER, _FILL_HEADER
        c.alignment = Alignment(vertical="center", wrap_text=True)


def _section(ws: Any, row: int, text: str, width: int) -> None:
    for col in range(1, width + 1):
        ws.cell(row, col).fill = _FILL_SECTION
    ws.cell(row, 1, text).font = _FONT_BOLD


def _define(wb: Workbook, name: str, sheet: str, coord: str) -> None:
    col, row = re.match(r"([A-Z]+)(\d+)", coord).groups()  # type: ignore[union-attr]
    wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(sheet)}!${col}${row}")


def _widths(ws: Any, widths: dict[str, float]) -> None:
    for col, w in widths.items():
        ws.column_dimensions[col].width = w


def _print_setup(ws: Any, *, landscape: bool = True, fit: str = "width", title_rows: str | None = None,
                 title_cols: str | None = None) -> None:
    """A4, margins, footer; ``fit`` = "width" (one page wide) or "height" (one page tall: a timeline
    prints as a strip of pages, each repeating the label columns)."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1 if fit == "width" else 0
    ws.page_setup.fitToHeight = 0 if fit == "width" else 1
    if title_rows:
        ws.print_title_rows = title_rows
    if title_cols:
        ws.print_title_cols = title_cols
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.center.text = "finmodel " + __version__
    ws.oddFooter.right.text = "&P / &N"


def _protect(ws: Any) -> None:
    """Protect formulas against accidental edits (no password: Review → Unprotect Sheet)."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False


_VALUE_CELL = re.compile(r'(<c r="([A-Z]+[0-9]+)"[^>]*>)<v>[^<]*</v>')


def _exact_floats(data: bytes, sheets: dict[int, dict[str, float]]) -> bytes:
    """Rewrite floats that openpyxl's ``%.16g`` would round with their 17-digit ``repr``
    (``sheets``: sheet number → cell → value; input values and the IRR solver's grid rates)."""
    fixes = {f"xl/worksheets/sheet{no}.xml": {c: repr(v) for c, v in cells.items() if float(f"{v:.16g}") != v}
             for no, cells in sheets.items()}
    fixes = {member: fix for member, fix in fixes.items() if fix}
    if not fixes:
        return data
    src = zipfile.ZipFile(io.BytesIO(data))
    bodies = {}
    for member, fix in fixes.items():
        done: set[str] = set()

        def sub(m: re.Match, fix: dict[str, str] = fix, done: set[str] = done) -> str:
            text = fix.get(m.group(2))
            if text is None:
                return m.group(0)
            done.add(m.group(2))
            return f"{m.group(1)}<v>{text}</v>"

        bodies[member] = _VALUE_CELL.sub(sub, src.read(member).decode("utf-8")).encode("utf-8")
        if len(done) != len(fix):  # pragma: no cover - openpyxl changed its output
            raise RuntimeError(f"could not write the exact values of {sorted(set(fix) - done)[:3]} in {member}")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = bodies.get(info.filename)
            dst.writestr(info, src.read(info.filename) if body is None else body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


@dataclass
class _Row:
    model: str
    item: engine.Item
    row: int


# --------------------------------------------------------------------------- the workbook
class _Book:
    def __init__(self, scenario: Scenario):
        self.s = scenario
        self.h = scenario.general.horizon_months
        self.wb = Workbook()
        self.exact: dict[str, dict[str, float]] = {INPUTS: {}, IRR_SOLVER: {}}  # sheet → cell → float
        self.first = get_column_letter(COL_MONTH0)
        self.second = get_column_letter(COL_MONTH0 + 1)
        self.last = get_column_letter(COL_MONTH0 + self.h)
        self.input_cells: dict[str, str] = {}
        self.rows: dict[str, dict[str, int]] = {"heavy": {}, "light": {}}
        self.summary_rows: dict[tuple[str, str], int] = {}
        self.layout: dict[str, dict[str, engine.Cell]] = {}
        self.timeline_rows: dict[str, tuple[str, str, expr.RowRange]] = {}  # irr_root_name → (model, key, row)
        self.irr_rows: dict[str, tuple[str, str, expr.RowRange]] = {}  # the ones the Summary's IRRs use

    # ---- orchestration -------------------------------------------------------------------------
    def build(self, *, sensitivity: bool) -> None:
        wb = self.wb
        cover = wb.active
        cover.title = COVER
        for name in SHEETS[1:]:
            if name != SENSITIVITY or sensitivity:
                wb.create_sheet(name)
        self._plan()
        self._inputs(wb[INPUTS])
        for model in MODELS:
            self._model_sheet(model)
        self._summary(wb[SUMMARY])
        self._irr_solver(wb[IRR_SOLVER])
        if sensitivity:
            self._sensitivity(wb[SENSITIVITY])
        self._cover(cover, sensitivity)
        wb.calculation.fullCalcOnLoad = True
        wb.properties.title = f"finmodel: {cell_text(self.s.name)}"[:255]
        wb.properties.creator = f"finmodel {__version__}"

    # ---- layout: where every item lives ---------------------------------------------------------
    def _plan(self) -> None:
        for model, (sheet, items, results) in MODELS.items():
            lay: dict[str, engine.Cell] = {}
            r = MONTH_ROW + 2  # row 6 is the "per-scenario values" section header
            for it in items:
                if it.kind == "scalar":
                    lay[it.key] = engine.Cell(sheet, name=calc_name(model, it.key))
                    self.rows[model][it.key] = r
                    r += 1
            r += 2  # blank row + timeline section header
            for it in items:
                if it.kind == "row":
                    lay[it.key] = engine.Cell(sheet, row=r)
                    rr = expr.RowRange(sheet, r, self.first, self.second, self.last)
                    self.timeline_rows[expr.irr_root_name(rr)] = (model, it.key, rr)
                    self.rows[model][it.key] = r
                    r += 1
            for it in results:
                lay[it.key] = engine.Cell(SUMMARY, name=calc_name(model, it.key))
            self.layout[model] = lay
        names = [c.name for lay in self.layout.values() for c in lay.values() if c.name]
        inputs = {engine.name_of(p) for p in schema.FIELDS} | {c.name for c in expr.CONSTANTS}
        clash = set(names) & inputs
        if clash or len(names) != len(set(names)):  # pragma: no cover - a naming bug
            raise RuntimeError(f"defined-name clash: {sorted(clash)}")

    def _context(self, model: str) -> engine.FormulaContext:
        sheet = MODELS[model][0]
        return engine.FormulaContext(self.layout[model], {sheet: MONTH_ROW, HEAVY: MONTH_ROW, LIGHT: MONTH_ROW},
                                     self.first, self.second, self.last)

    # ---- Inputs ----------------------------------------------------------------------------------
    def _inputs(self, ws: Any) -> None:
        wb, s = self.wb, self.s
        _label(ws, 1, 1, "输入 Inputs", _FONT_TITLE)
        _label(ws, 2, 1, "Yellow cells are inputs (黄色单元格为输入); every value cell has a defined name "
                         "(Formulas → Name Manager) used by the model sheets. Fractions: 0.7 = 70 %. "
                         "Money in CNY (元).", _FONT_NOTE)
        _label(ws, 4, 1, "情景名称", _FONT_BOLD)
        _label(ws, 4, 2, "Scenario name", _FONT_BOLD)
        _label(ws, 5, 1, "说明", _FONT_BOLD)
        _label(ws, 5, 2, "Description", _FONT_BOLD)
        for row, name, text in ((4, NAME_CELL, s.name), (5, DESCRIPTION_CELL, s.description)):
            c = ws.cell(row, 3)
            _put_text(c, text)
            c.fill, c.font, c.border, c.protection = _FILL_INPUT, _FONT_INPUT, _BORDER_INPUT, _UNLOCKED
            c.alignment = Alignment(wrap_text=False, vertical="top")
            _define(wb, name, INPUTS, c.coordinate)
        for col in range(4, 7):  # the merged description cell must be editable as a whole
            ws.cell(5, col).protection = _UNLOCKED
        ws.merge_cells(start_row=5, start_column=3, end_row=5, end_column=6)
        head = 7
        ws.row_dimensions[head].height = 30
        _header(ws, head, ["中文名称", "Input", "数值 Value", "单位 Unit", "允许范围 Allowed", SOURCE_HEADER,
                           FIELD_HEADER, "说明", "Help"])
        r = head + 1
        titles = {"general": "通用 General", "heavy": "重资产 Heavy asset (自购设备出租)",
                  "light": "轻资产 Light asset (算力转租)"}
        by_section: dict[str, list[schema.FieldSpec]] = {}
        for spec in schema.FIELDS.values():
            by_section.setdefault(spec.section, []).append(spec)
        for section, specs in by_section.items():
            _section(ws, r, titles.get(section, section), 9)
            r += 1
            for spec in specs:
                self._input_row(ws, r, spec)
                r += 1
            r += 1
        _section(ws, r, "常数 Constants (unit conversions used by formulas; not inputs)", 9)
        r += 1
        for const in expr.CONSTANTS:
            _label(ws, r, 1, const.label_zh)
            _label(ws, r, 2, const.label_en)
            c = ws.cell(r, 3, const.value)
            c.number_format = "#,##0"
            _label(ws, r, 4, const.unit)
            _label(ws, r, 7, const.name, _FONT_KEY)
            _define(wb, const.name, INPUTS, c.coordinate)
            r += 1
        extra = {k: v for k, v in s.sources.items() if k not in schema.FIELDS}
        if extra:
            r += 1
            _section(ws, r, OTHER_SOURCES_HEADER, 9)
            ws.cell(r, 1).value = OTHER_SOURCES_HEADER
            r += 1
            for key, text in extra.items():
                _put_text(ws.cell(r, 7), key)
                c = ws.cell(r, 6)
                _put_text(c, text)
                c.protection = _UNLOCKED
                r += 1
        ws.freeze_panes = ws.cell(head + 1, 3)
        _widths(ws, {"A": 18, "B": 30, "C": 18, "D": 20, "E": 36, "F": 48, "G": 38, "H": 60, "I": 70})
        _print_setup(ws, title_rows=f"{head}:{head}")
        ws.print_area = f"A1:G{r}"  # the long help column stays on screen
        _protect(ws)

    def _input_row(self, ws: Any, r: int, spec: schema.FieldSpec) -> None:
        _label(ws, r, 1, spec.label_zh)
        _label(ws, r, 2, spec.label_en)
        c = ws.cell(r, 3)
        v = self.s.get(spec.path)
        if spec.kind in ("choice", "str"):
            _put_text(c, v)
        elif v is not None:
            c.value = v
            if isinstance(v, float):
                self.exact[INPUTS][c.coordinate] = v
        c.fill, c.font, c.border, c.protection = _FILL_INPUT, _FONT_INPUT, _BORDER_INPUT, _UNLOCKED
        c.number_format = _input_format(spec)
        _label(ws, r, 4, spec.unit)
        _label(ws, r, 5, spec.range_text() if spec.kind != "str" else "GPU catalogue key (list)")
        src = ws.cell(r, 6)
        _put_text(src, self.s.sources.get(spec.path))
        src.protection = _UNLOCKED
        _label(ws, r, 7, spec.path, _FONT_KEY)
        _label(ws, r, 8, _help_zh(spec), _FONT_NOTE)
        _label(ws, r, 9, spec.help, _FONT_NOTE)
        name = engine.name_of(spec.path)
        _define(self.wb, name, INPUTS, c.coordinate)
        self.input_cells[spec.path] = c.coordinate
        dv = _validation(spec, self.h, c.coordinate)
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(c)

    # ---- Heavy / Light ---------------------------------------------------------------------------
    def _model_sheet(self, model: str) -> None:
        sheet, items, _ = MODELS[model]
        ws = self.wb[sheet]
        ctx = self._context(model)
        title = {"heavy": "重资产模型 Heavy asset: buy servers, rent card-hours",
                 "light": "轻资产模型 Light asset: buy capacity per P, resell it"}[model]
        _label(ws, 1, 1, title, _FONT_TITLE)
        _label(ws, 2, 1, "Every number is a formula generated from finmodel's line items (finmodel/"
                         f"{model}.py) over the Inputs sheet. Month 0 = purchase date; flows at month end; "
                         "column F is the opening value (0) that running totals start from.", _FONT_NOTE)
        last_col = COL_MONTH0 + self.h
        _header(ws, HEADER_ROW, ["项目", "Line item", "单位 Unit", "键 Key", "数值/合计 Value / total",
                                 "期初 Opening"])
        for j in range(self.h + 1):
            c = ws.cell(HEADER_ROW, COL_MONTH0 + j, f"M{j}")
            c.font, c.fill = _FONT_HEADER, _FILL_HEADER
            c.alignment = Alignment(horizontal="right")
        for col, text in ((COL_ZH, "月份"), (COL_EN, "Month"), (COL_UNIT, "month"), (COL_KEY, "t")):
            _label(ws, MONTH_ROW, col, text, _FONT_BOLD)
        for j in range(self.h + 1):
            ws.cell(MONTH_ROW, COL_MONTH0 + j, j).font = _FONT_BOLD
        _section(ws, MONTH_ROW + 1, "单值计算 Per-scenario values", COL_OPENING)
        rows = self.rows[model]
        first_row = min(rows[it.key] for it in items if it.kind == "row")
        _section(ws, first_row - 1, "月度时间轴 Monthly timeline", COL_OPENING)
        cols = [get_column_letter(COL_MONTH0 + j) for j in range(self.h + 1)]
        prevs = [get_column_letter(COL_OPENING)] + cols[:-1]
        for it in items:
            r = rows[it.key]
            self._item_labels(ws, r, it)
            sym = ctx.formula(it)
            fmt = FORMATS[it.fmt]
            if it.kind == "scalar":
                c = ws.cell(r, COL_VALUE, sym.render())
                c.number_format = fmt
                _define(self.wb, calc_name(model, it.key), sheet, c.coordinate)
                continue
            text = sym.text
            style = None
            for j, (col, prev) in enumerate(zip(cols, prevs, strict=True)):
                cell = ws.cell(r, COL_MONTH0 + j, "=" + text.replace("{c}", col).replace("{p}", prev))
                if style is None:  # style the first month, copy its style array to the others (fast)
                    cell.number_format = fmt
                    if it.helper:
                        cell.font = _FONT_HELPER
                    style = cell._style
                else:
                    cell._style = copy.copy(style)
            op = ws.cell(r, COL_OPENING, 0)
            op.fill, op.number_format, op.font = _FILL_OPENING, fmt, _FONT_KEY
            if it.flow:
                t = ws.cell(r, COL_VALUE, f"=SUM({self.first}{r}:{self.last}{r})")
                t.number_format, t.font = fmt, _FONT_BOLD
            if it.helper:
                ws.row_dimensions[r].outlineLevel = 1
        ws.freeze_panes = ws.cell(MONTH_ROW + 1, COL_MONTH0)
        _widths(ws, {"A": 18, "B": 34, "C": 14, "D": 30, "E": 16, "F": 8})
        ws.column_dimensions["D"].hidden = True
        for j in range(self.h + 1):
            ws.column_dimensions[get_column_letter(COL_MONTH0 + j)].width = 13
        ws.sheet_properties.outlinePr.summaryBelow = False
        ws.row_dimensions[HEADER_ROW].height = 30
        _print_setup(ws, fit="height", title_rows=f"{HEADER_ROW}:{MONTH_ROW}", title_cols="A:C")
        ws.print_area = f"A1:{get_column_letter(last_col)}{max(rows.values())}"
        _protect(ws)

    def _item_labels(self, ws: Any, r: int, it: engine.Item) -> None:
        font = _FONT_HELPER if it.helper else None
        _label(ws, r, COL_ZH, it.zh, font)
        _label(ws, r, COL_EN, it.en, font)
        _label(ws, r, COL_UNIT, it.unit, font)
        _label(ws, r, COL_KEY, it.key, _FONT_KEY)

    # ---- Summary ---------------------------------------------------------------------------------
    def _summary(self, ws: Any) -> None:
        _label(ws, 1, 1, "汇总 Summary", _FONT_TITLE)
        ws.cell(2, 1, f"={NAME_CELL}").font = _FONT_BOLD
        _label(ws, 3, 1, "Live formulas over the Heavy and Light sheets. NPV = NPV(monthly rate, months 1..H) + "
                         "month 0, because Excel's NPV() discounts its first argument; IRR is monthly, "
                         "annualised as (1+IRR)^12 − 1. \"never\" = not paid back within the horizon.", _FONT_NOTE)
        head = 5
        _header(ws, head, ["指标", "Metric", "数值 Value", "万元", "单位 Unit", "键 Key", "出处 Defined on"])
        r = head + 1
        titles = {"heavy": "重资产 Heavy asset", "light": "轻资产 Light asset (per contracted capacity)"}
        for model in MODELS:
            _section(ws, r, titles[model], 7)
            r += 1
            for kind, it in _summary_entries(model):
                self._summary_row(ws, r, model, kind, it)
                r += 1
            r += 1
        self._chart_data(ws, r + 1)
        ws.freeze_panes = ws.cell(head + 1, 3)
        _widths(ws, {"A": 18, "B": 40, "C": 16, "D": 12, "E": 14, "F": 30, "G": 22})
        ws.column_dimensions["F"].hidden = True
        _print_setup(ws, title_rows=f"{head}:{head}")
        _protect(ws)

    def _summary_row(self, ws: Any, r: int, model: str, kind: str, it: engine.Item) -> None:
        _label(ws, r, 1, it.zh)
        _label(ws, r, 2, it.en)
        c = ws.cell(r, 3)
        if kind == "result":
            c.value = self._context(model).formula(it).render()
            for name in _IRR_NAME.findall(c.value):
                self.irr_rows.setdefault(name, self.timeline_rows[name])
            _define(self.wb, calc_name(model, it.key), SUMMARY, c.coordinate)
        else:  # a per-scenario value that lives on its model sheet
            c.value = f"={calc_name(model, it.key)}"
            _label(ws, r, 7, f"from {MODELS[model][0]}!E{self.rows[model][it.key]}", _FONT_KEY)
        c.number_format = FORMATS[it.fmt]
        c.font = _FONT_BOLD
        c.alignment = Alignment(horizontal="right")
        if it.fmt in _MONEY_FMTS:
            w = ws.cell(r, 4, f"=C{r}")
            w.number_format = WAN
        _label(ws, r, 5, it.unit)
        _label(ws, r, 6, f"{model}.{it.key}", _FONT_KEY)
        self.summary_rows[(model, it.key)] = r

    def _chart_data(self, ws: Any, r0: int) -> None:
        """Small tables the charts read: payback points and horizon cost totals (all formulas)."""
        _section(ws, r0, "图表数据 Chart data (formulas; #N/A = nothing to plot)", 7)
        r = r0 + 1
        _header(ws, r, ["回本点", "Payback point", "月 Month", "¥"])
        points = {}
        for model in MODELS:
            r += 1
            pb = calc_name(model, "payback_months")
            _label(ws, r, 1, {"heavy": "重资产", "light": "轻资产"}[model])
            _label(ws, r, 2, f"{model} payback")
            ws.cell(r, 3, f"=IF(ISNUMBER({pb}),{pb},NA())").number_format = "0.0"
            ws.cell(r, 4, f"=IF(ISNUMBER({pb}),0,NA())").number_format = CNY
            _label(ws, r, 6, f"chart:{model}_payback", _FONT_KEY)
            points[model] = r
        costs: dict[str, tuple[int, int]] = {}
        for model in MODELS:
            r += 2
            _header(ws, r, ["成本结构", f"Cost structure ({model}, horizon total)", "¥", "万元"])
            start = r + 1
            for key in _COST_LINES[model]:
                r += 1
                it = _item(model, key)
                _label(ws, r, 1, it.zh)
                _label(ws, r, 2, f"{it.zh} {it.en}")  # the chart's category label
                ref = f"{MODELS[model][0]}!$E${self.rows[model][key]}"
                ws.cell(r, 3, f"={ref}").number_format = CNY
                ws.cell(r, 4, f"=C{r}").number_format = WAN
            costs[model] = (start, r)
        self._charts(ws, points, costs)

    def _charts(self, ws: Any, points: dict[str, int], costs: dict[str, tuple[int, int]]) -> None:
        anchor_row = 5
        names = {"heavy": "重资产 Heavy", "light": "轻资产 Light"}
        for model in MODELS:
            sheet = self.wb[MODELS[model][0]]
            cum = self.rows[model]["cumulative_cash_flow_cny"]
            ch = ScatterChart()
            ch.title = f"{names[model]}: 累计现金流 cumulative cash flow"
            ch.style = 13
            ch.scatterStyle = "lineMarker"
            ch.x_axis.title = "月 Month"
            ch.y_axis.title = "万元"
            ch.y_axis.numFmt = WAN
            ch.x_axis.scaling.min, ch.x_axis.scaling.max = 0, self.h
            ch.x_axis.tickLblPos = "low"  # month labels below the plot, not on the zero line
            ch.x_axis.delete = False
            ch.y_axis.delete = False
            ch.legend.position = "b"
            x = Reference(sheet, min_col=COL_MONTH0, max_col=COL_MONTH0 + self.h, min_row=MONTH_ROW)
            y = Reference(sheet, min_col=COL_MONTH0, max_col=COL_MONTH0 + self.h, min_row=cum)
            line = Series(y, x, title="累计现金流 Cumulative cash flow")
            line.marker.symbol = "none"
            line.smooth = False
            line.graphicalProperties.line.solidFill = "1F4E78"
            line.graphicalProperties.line.width = 28575  # 2.25 pt
            ch.series.append(line)
            p = points[model]
            pt = Series(Reference(ws, min_col=4, min_row=p), Reference(ws, min_col=3, min_row=p),
                        title="回本点 Payback")
            pt.marker.symbol = "diamond"
            pt.marker.size = 11
            pt.marker.graphicalProperties.solidFill = "C00000"
            pt.marker.graphicalProperties.line.solidFill = "C00000"
            pt.graphicalProperties.line.noFill = True
            pt.smooth = False
            ch.series.append(pt)
            ch.height, ch.width = 8.5, 17
            ws.add_chart(ch, f"I{anchor_row}")
            anchor_row += 18
        for model in MODELS:
            start, end = costs[model]
            bar = BarChart()
            bar.type = "bar"
            bar.style = 10
            bar.title = f"{names[model]}: 成本结构 cost structure (horizon total)"
            bar.y_axis.numFmt = WAN
            bar.y_axis.title = "万元"
            bar.x_axis.delete = False
            bar.y_axis.delete = False
            bar.x_axis.scaling.orientation = "maxMin"  # first cost line on top
            bar.y_axis.crosses = "max"
            bar.legend = None
            bar.add_data(Reference(ws, min_col=3, min_row=start, max_row=end), titles_from_data=False)
            bar.set_categories(Reference(ws, min_col=2, min_row=start, max_row=end))
            bar.series[0].graphicalProperties.solidFill = "2E75B6"
            bar.height, bar.width = 3 + 0.9 * (end - start + 1), 17
            ws.add_chart(bar, f"I{anchor_row}")
            anchor_row += int(2 * bar.height) + 2

    # ---- IRR solver ------------------------------------------------------------------------------
    def _irr_solver(self, ws: Any) -> None:
        """One block of columns per IRR row: brackets and roots on top, the bisection steps, then NPV
        and sign-change flags on the engine's grid of rates (data cells, from finmodel.model.irr)."""
        rates = irr_solver.grid_rates(self.h + 1)
        k_count, zero = len(rates), int(list(rates).index(0.0)) + 1  # 1-based grid index of the zero rate
        steps = expr.IRR_BISECTION_STEPS
        _label(ws, 1, 1, "IRR 求解器 IRR solver", _FONT_TITLE)
        _label(ws, 2, 1, "按引擎方法求内部收益率：在利率网格上计算NPV，取最接近0的变号区间，二分法求根；"
                         "无变号为 none。 IRR the engine's way (finmodel.model.irr): NPV on a grid of monthly rates, "
                         "the sign change nearest a zero rate on each side, bisection to machine precision, the "
                         "root closer to zero; \"none\" = no sign change on the grid.", _FONT_NOTE)
        head, r_k, r_sign, r_side, r_root, r_check = 4, 6, 7, 8, 9, 10
        r_step0 = 13
        r_grid = r_step0 + steps + 3  # first grid rate
        labels = {r_k: ("变号区间序号", "Bracket: grid index i of [g_i, g_i+1] (0 = none)"),
                  r_sign: ("下限处NPV≥0", "NPV ≥ 0 at the bracket's lower rate"),
                  r_side: ("该侧的根", "Root on this side (monthly)"),
                  r_root: ("月度IRR", "IRR per month: the root closer to zero"),
                  r_check: ("Excel IRR() 交叉核对", "Cross-check: Excel's IRR(row, root) — not used, should agree")}
        _header(ws, head, ["项目", "Item"])
        for r, (zh, en) in labels.items():
            _label(ws, r, 1, zh, _FONT_BOLD if r == r_root else None)
            _label(ws, r, 2, en, _FONT_BOLD if r == r_root else None)
        _section(ws, r_step0 - 2, f"二分法 Bisection ({steps} halvings of each bracket)", 2 + 6 * len(self.irr_rows))
        _header(ws, r_step0 - 1, ["步", "Step"])
        _section(ws, r_grid - 2, f"利率网格 Grid of monthly rates (finmodel.model.irr.grid_rates({self.h + 1}): data) "
                                 "with NPV and sign-change flags", 2 + 6 * len(self.irr_rows))
        _header(ws, r_grid - 1, ["序号 i", "利率 Rate g_i"])
        rate_fmt, npv_fmt = "0.0000000000%", FORMATS["cny"]
        for n in range(steps + 1):
            ws.cell(r_step0 + n, 1, n).font = _FONT_KEY
        for i, g in enumerate(rates, start=1):
            ws.cell(r_grid + i - 1, 1, i).font = _FONT_KEY
            c = ws.cell(r_grid + i - 1, 2, float(g))
            c.number_format = rate_fmt
            self.exact[IRR_SOLVER][c.coordinate] = float(g)
        last_grid = r_grid + k_count - 1
        grid_ref = f"$B${r_grid}:$B${last_grid}"
        styles: dict[str, Any] = {}

        def put(row: int, col: int, formula: str, fmt: str) -> None:
            cell = ws.cell(row, col, "=" + formula)
            if fmt in styles:
                cell._style = copy.copy(styles[fmt])
            else:
                cell.number_format, cell.font = fmt, _FONT_HELPER
                styles[fmt] = cell._style

        for j, (name, (model, key, rr)) in enumerate(self.irr_rows.items()):
            base = 3 + 6 * j
            solver = expr.IrrSolver(rr)
            it = _item(model, key)
            _label(ws, head, base, f"{it.zh} {it.en}", _FONT_BOLD)
            _label(ws, head + 1, base, f"{rr.sheet}!{key}", _FONT_KEY)
            npv_col, flag_col = get_column_letter(base), get_column_letter(base + 1)
            npvs = f"${npv_col}${r_grid}:${npv_col}${last_grid}"
            for i in range(k_count):
                row = r_grid + i
                put(row, base, solver.grid_npv(f"$B{row}"), npv_fmt)
                if i < k_count - 1:
                    put(row, base + 1, solver.sign_change(f"{npv_col}{row}", f"{npv_col}{row + 1}", f"$A{row}"), "0")
            flags_below = f"${flag_col}${r_grid}:${flag_col}${r_grid + zero - 2}"  # intervals ending ≤ 0
            flags_above = f"${flag_col}${r_grid + zero - 1}:${flag_col}${last_grid - 1}"  # from 0 on
            sides = ((base, solver.bracket_below(flags_below), "低于0 below"),
                     (base + 3, solver.bracket_above(flags_above), "高于0 above"))
            roots = []
            for col, bracket, title in sides:
                lo_c, hi_c, f_c = (get_column_letter(col + d) for d in range(3))
                for d, text in enumerate((f"{title} 0: 下限 low", "上限 high", "中点NPV NPV at mid")):
                    _label(ws, r_step0 - 1, col + d, text, _FONT_BOLD)
                k, sign = f"${lo_c}${r_k}", f"${lo_c}${r_sign}"
                put(r_k, col, bracket, "0")
                put(r_sign, col, solver.start_sign(npvs, k), "General")
                put(r_step0, col, solver.start_low(grid_ref, k), rate_fmt)
                put(r_step0, col + 1, solver.start_high(grid_ref, k), rate_fmt)
                for n in range(steps):
                    row = r_step0 + n
                    lo, hi, f = f"{lo_c}{row}", f"{hi_c}{row}", f"{f_c}{row}"
                    put(row, col + 2, solver.npv_mid(lo, hi), npv_fmt)
                    put(row + 1, col, solver.low(lo, hi, f, sign), rate_fmt)
                    put(row + 1, col + 1, solver.high(lo, hi, f, sign), rate_fmt)
                last = r_step0 + steps
                put(r_side, col, solver.side_root(k, f"{lo_c}{last}", f"{hi_c}{last}"), rate_fmt)
                roots.append((k, f"{lo_c}{r_side}"))
            (kb, rb), (ka, ra) = roots
            put(r_root, base, solver.root(kb, rb, ka, ra), rate_fmt)
            ws.cell(r_root, base).font = _FONT_BOLD
            _define(self.wb, name, IRR_SOLVER, f"{get_column_letter(base)}{r_root}")
            put(r_check, base, solver.cross_check(f"{get_column_letter(base)}{r_root}"), rate_fmt)
        ws.freeze_panes = ws.cell(head + 2, 3)
        _widths(ws, {"A": 16, "B": 44})
        for col in range(3, 3 + 6 * len(self.irr_rows)):
            ws.column_dimensions[get_column_letter(col)].width = 17
        _print_setup(ws, title_cols="A:B")
        _protect(ws)

    # ---- Sensitivity -----------------------------------------------------------------------------
    def _sensitivity(self, ws: Any) -> None:
        _write_sensitivity(self, ws)

    # ---- Cover -----------------------------------------------------------------------------------
    def _cover(self, ws: Any, sensitivity: bool) -> None:
        s = self.s
        _label(ws, 1, 1, "算力租赁财务模型 GPU compute leasing model", Font(bold=True, size=16))
        c = ws.cell(3, 1)
        _put_text(c, s.name)
        c.font = Font(bold=True, size=13)
        d = ws.cell(4, 1)
        _put_text(d, s.description)
        d.alignment = _WRAP
        ws.merge_cells("A4:D4")
        ws.row_dimensions[4].height = 45
        facts = [
            ("生成日期 Generated", _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
            ("版本 Version", f"finmodel {__version__}"),
            ("测算期 Horizon", f"{self.h} months (month 0 = purchase)"),
            ("设备 Servers", f"{s.heavy.servers} × {s.heavy.cards_per_server} × {s.heavy.gpu}"),
            ("货币 Currency", "CNY 元; 万元 = 10,000 元"),
        ]
        r = 6
        for k, v in facts:
            _label(ws, r, 1, k, _FONT_BOLD)
            _put_text(ws.cell(r, 2), v)
            r += 1
        r += 1
        _label(ws, r, 1, "使用方法 How to use", _FONT_BOLD)
        for line in _HOW_TO:
            r += 1
            _label(ws, r, 1, line).alignment = Alignment(wrap_text=False)
        r += 2
        _label(ws, r, 1, "工作表 Sheets", _FONT_BOLD)
        sheet_map = [(INPUTS, "输入: every assumption, with unit, allowed range and source"),
                     (HEAVY, "重资产: monthly timeline of the heavy-asset model (formulas)"),
                     (LIGHT, "轻资产: monthly timeline of the light-asset model (formulas)"),
                     (SUMMARY, "汇总: payback, NPV, IRR, margins, spread per P; charts"),
                     (IRR_SOLVER, "IRR求解器: each IRR solved the engine's way (grid, bracket, bisection)")]
        if sensitivity:
            sheet_map.append((SENSITIVITY, "敏感性: tornado and price × occupancy grid (engine values, not live)"))
        for name, text in sheet_map:
            r += 1
            link = ws.cell(r, 1, name)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"{quote_sheetname(name)}!A1", display=name)
            link.font = Font(color="0563C1", underline="single")
            _label(ws, r, 2, text)
        r += 2
        _label(ws, r, 1, "颜色 Colours", _FONT_BOLD)
        for fill, font, text in ((_FILL_INPUT, _FONT_INPUT, "input: change me (输入)"),
                                 (None, None, "formula: do not overwrite (公式)"),
                                 (None, _FONT_HELPER, "calculation aid (辅助行, grouped; click + to expand)"),
                                 (_FILL_ENGINE, None, "engine value, not live: re-export to refresh (引擎计算值)")):
            r += 1
            c = ws.cell(r, 1, "")
            if fill is not None:
                c.fill = fill
            _label(ws, r, 2, text, font)
        _widths(ws, {"A": 28, "B": 70, "C": 14, "D": 14})
        _print_setup(ws, landscape=False)
        ws.sheet_view.showGridLines = False


_IRR_NAME = re.compile(r"\birr_\w+?_row\d+\b")  # expr.irr_root_name in a formula

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

_COST_LINES = {
    "heavy": ["energy_cny", "om_cny", "colocation_cny", "staff_cny", "other_cny", "ratio_cash_cost_cny",
              "depreciation_cny", "interest_cny", "tax_cny"],
    "light": ["capacity_cost_cny", "vas_cost_cny", "platform_fixed_cost_cny", "amortisation_cny", "tax_cny"],
}

_SUMMARY_ORDER = {
    "heavy": ["payback_months", "discounted_payback_months", "npv_cny", "irr", "project_npv_cny", "project_irr",
              "gross_margin", "ebitda_margin", "net_margin", "roi", "capex_cny", "loan_cny", "equity_invested_cny",
              "loan_payment_cny", "price_cny_per_server_hour", "straight_line_depreciation_cny_per_month"],
    "light": ["spread_cny_per_p_year", "revenue_cny_per_p_year", "vas_net_cny_per_p_year", "margin_cny_per_p_year",
              "breakeven_occupancy", "breakeven_capacity_p", "p_per_server", "payback_months",
              "discounted_payback_months", "npv_cny", "irr", "gross_margin", "operating_margin"],
}


def _item(model: str, key: str) -> engine.Item:
    _, items, results = MODELS[model]
    return next(i for i in items + results if i.key == key)


def _summary_entries(model: str) -> list[tuple[str, engine.Item]]:
    """(kind, item) in display order: every result, plus headline per-scenario values as references."""
    _, items, results = MODELS[model]
    result_keys = {i.key for i in results}
    out = [("result" if k in result_keys else "ref", _item(model, k)) for k in _SUMMARY_ORDER[model]]
    out += [("result", i) for i in results if i.key not in _SUMMARY_ORDER[model]]
    return out


def _input_format(spec: schema.FieldSpec) -> str:
    if spec.kind == "int":
        return "#,##0"
    if spec.kind != "float":
        return "@"
    if spec.unit.startswith("fraction"):
        return "0.0##%"
    if spec.unit.startswith("CNY"):
        return '"¥"#,##0.00'
    return "#,##0.0##"


def _help_zh(spec: schema.FieldSpec) -> str:
    return getattr(spec, "help_zh", "") or ""


def _prompt(spec: schema.FieldSpec, allowed: str) -> str:
    """Data-validation prompt (Excel shows at most 255 characters): Chinese help, else English."""
    text = (_help_zh(spec) or spec.help) + allowed
    return text if len(text) <= 255 else text[:254] + "…"


def _num(x: float) -> str:
    return repr(int(x)) if float(x).is_integer() else repr(float(x))


def _validation(spec: schema.FieldSpec, horizon: int, coord: str) -> DataValidation | None:
    """Excel data validation from the schema (lists for choices, bounds for numbers)."""
    common = dict(allow_blank=spec.optional, showErrorMessage=True, showInputMessage=True,
                  errorTitle=spec.label_en[:32], promptTitle=spec.label_en[:32])
    if spec.kind in ("choice", "str"):
        options = spec.choices if spec.kind == "choice" else tuple(catalog.GPUS)
        return DataValidation(type="list", formula1='"' + ",".join(options) + '"',
                              error=("one of: " + ", ".join(options))[:255], prompt=_prompt(spec, ""), **common)
    le = spec.le
    if spec.path == "general.horizon_months":
        le = float(horizon)  # the exported timeline has H + 1 columns
    dtype = "whole" if spec.kind == "int" else "decimal"
    allowed = spec.range_text() if le == spec.le else f"an integer, 1 ≤ value ≤ {horizon} (re-export for longer)"
    common.update(error=f"Allowed: {allowed}"[:255], prompt=_prompt(spec, f" Allowed: {allowed}"))
    if spec.gt is not None or spec.lt is not None:  # strict bounds: a custom rule on the cell itself
        parts = [f"ISNUMBER({coord})"]
        for op, bound in ((">=", spec.ge), (">", spec.gt), ("<=", le), ("<", spec.lt)):
            if bound is not None:
                parts.append(f"{coord}{op}{_num(bound)}")
        formula = "AND(" + ",".join(parts) + ")"
        if spec.optional:
            formula = f"OR(ISBLANK({coord}),{formula})"
        return DataValidation(type="custom", formula1=formula, **common)
    lo = spec.ge
    if lo is not None and le is not None:
        return DataValidation(type=dtype, operator="between", formula1=_num(lo), formula2=_num(le), **common)
    if lo is not None:
        return DataValidation(type=dtype, operator="greaterThanOrEqual", formula1=_num(lo), **common)
    if le is not None:
        return DataValidation(type=dtype, operator="lessThanOrEqual", formula1=_num(le), **common)
    return None


# --------------------------------------------------------------------------- Sensitivity sheet
TORNADO_MOVES = (-0.2, 0.2)  # relative low / high moves of each input
GRID_X = "heavy.price_cny_per_card_hour"
GRID_X_STEPS = tuple(round(0.6 + 0.1 * k, 1) for k in range(9))  # × the base price: 0.6 … 1.4
GRID_Y = "heavy.occupancy"
GRID_Y_VALUES = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)  # plus the base occupancy
GRID_METRICS = ("heavy.payback_months", "heavy.npv_cny", "heavy.irr")
_NAN_TEXT = {"payback_months": "never", "discounted_payback_months": "never", "irr": "none", "project_irr": "none"}


def grid_axes(scenario: Scenario) -> tuple[list[float], list[float]]:
    """The price and occupancy values of the Sensitivity sheet's grid (base values included)."""
    xs_spec = schema.field_spec(GRID_X)
    base_x, base_y = float(scenario.get(GRID_X)), float(scenario.get(GRID_Y))
    ref = base_x if base_x > 0 else float(xs_spec.default)
    xs = {min(max(round(ref * k, 4), xs_spec.ge or 0.0), xs_spec.le or math.inf) for k in GRID_X_STEPS}
    return sorted(xs | {base_x}), sorted(set(GRID_Y_VALUES) | {base_y})


def _metric_item(metric: str) -> engine.Item:
    name, key = metric.split(".", 1)
    return _item(name, key)


def _put_result(cell: Any, metric: str, value: float) -> None:
    it = _metric_item(metric)
    if math.isnan(value):
        cell.value = _NAN_TEXT.get(it.key, "n/a")
        cell.alignment = Alignment(horizontal="right")
    elif math.isinf(value):
        cell.value = "∞"
        cell.alignment = Alignment(horizontal="right")
    else:
        cell.value = float(value)
    cell.number_format = FORMATS[it.fmt]
    cell.fill = _FILL_ENGINE


def _write_sensitivity(book: _Book, ws: Any) -> None:
    """Tornado and price × occupancy grid from :mod:`finmodel.analysis.sensitivity`, as values."""
    from finmodel.analysis import sensitivity

    s = book.s
    tor = sensitivity.tornado(s, low=TORNADO_MOVES[0], high=TORNADO_MOVES[1])
    xs, ys = grid_axes(s)
    grid = sensitivity.grid(s, GRID_X, xs, GRID_Y, ys, list(GRID_METRICS))
    _label(ws, 1, 1, "敏感性分析 Sensitivity — engine values, not live formulas", _FONT_TITLE)
    note = ws.cell(2, 1, "These numbers were computed by finmodel's engine (finmodel.analysis.sensitivity) when the "
                         "workbook was exported. They do NOT change when you edit Inputs: re-export to refresh them. "
                         "(以下为导出时由引擎计算的数值，修改输入不会更新。)")
    note.fill, note.font = _FILL_ENGINE, _FONT_BOLD
    r = 4
    x_spec, y_spec = schema.field_spec(GRID_X), schema.field_spec(GRID_Y)
    settings = [
        ("情景 Scenario", None),
        ("计算时间 Computed", _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("引擎 Engine", f"finmodel {__version__} (finmodel.analysis.sensitivity.tornado / grid)"),
        ("测算期 Horizon", f"{book.h} months"),
        ("龙卷风 Tornado", f"each input moved {TORNADO_MOVES[0]:+.0%} / {TORNADO_MOVES[1]:+.0%} from its base value, "
                         "one at a time (integers rounded, values clipped to the allowed range); inputs that "
                         "change no result are left out; swing = range of the result over low, base, high "
                         "(∞ when the result becomes never / none)"),
        ("网格 Grid", f"x = {x_spec.label_zh} {x_spec.label_en} ({GRID_X}, {x_spec.unit}): base × "
                     f"{GRID_X_STEPS[0]:g} … {GRID_X_STEPS[-1]:g}; y = {y_spec.label_zh} {y_spec.label_en} "
                     f"({GRID_Y}); all other inputs at their base values"),
        ("说明 Notes", '"never" = not paid back within the horizon; "none" = no IRR; bold = the base case'),
    ]
    for k, v in settings:
        _label(ws, r, 1, k, _FONT_BOLD)
        c = ws.cell(r, 3)
        _put_text(c, s.name if v is None else v)
        r += 1
    r += 1
    for metric in GRID_METRICS:
        r = _grid_table(ws, r, grid, metric, xs, ys, s) + 2
    for metric in tor["metric"].unique():
        r = _tornado_table(ws, r, tor[tor["metric"] == metric], metric) + 2
    ws.freeze_panes = "A4"
    _widths(ws, {"A": 18, "B": 30, "C": 16, "D": 14, "E": 14, "F": 14, "G": 14, "H": 14, "I": 14, "J": 14,
                 "K": 14, "L": 14, "M": 32})
    _print_setup(ws)


def _grid_table(ws: Any, r: int, grid: Any, metric: str, xs: list[float], ys: list[float], s: Scenario) -> int:
    it = _metric_item(metric)
    x_spec, y_spec = schema.field_spec(GRID_X), schema.field_spec(GRID_Y)
    _section(ws, r, f"{it.zh} {it.en} [{it.unit}] — {x_spec.label_zh} × {y_spec.label_zh} "
                    f"(price × occupancy; engine values)", 3 + len(xs))
    r += 1
    _header(ws, r, [f"{y_spec.label_zh} ↓ / {x_spec.label_zh} →", f"{y_spec.label_en} ↓ / {x_spec.label_en} "
                    f"({x_spec.unit}) →"])
    base_x, base_y = s.get(GRID_X), s.get(GRID_Y)
    for j, x in enumerate(xs):
        c = ws.cell(r, 3 + j, x)
        c.font, c.fill, c.number_format = _FONT_HEADER, _FILL_HEADER, FORMATS["price"]
        if x == base_x:
            c.font = Font(bold=True, color="FFFF00")
    table = grid.set_index([GRID_X, GRID_Y])[metric]
    for y in ys:
        r += 1
        yc = ws.cell(r, 2, y)
        yc.number_format, yc.font = FORMATS["frac"], _FONT_BOLD
        for j, x in enumerate(xs):
            c = ws.cell(r, 3 + j)
            _put_result(c, metric, float(table.loc[(x, y)]))
            if x == base_x and y == base_y:
                c.font = _FONT_BOLD
    good, bad = "63BE7B", "F8696B"
    low, high = (good, bad) if it.key.endswith("payback_months") else (bad, good)
    area = f"C{r - len(ys) + 1}:{get_column_letter(2 + len(xs))}{r}"
    ws.conditional_formatting.add(area, ColorScaleRule(start_type="min", start_color=low, mid_type="percentile",
                                                       mid_value=50, mid_color="FFEB84", end_type="max",
                                                       end_color=high))
    return r


def _tornado_table(ws: Any, r: int, tor: Any, metric: str) -> int:
    it = _metric_item(metric)
    _section(ws, r, f"龙卷风 Tornado: {it.zh} {it.en} [{it.unit}] (engine values)", 11)
    r += 1
    _header(ws, r, ["输入", "Input", "单位 Unit", "基准值 Base", "低值 Low", "高值 High", "结果@低 Result at low",
                    "结果@高 Result at high", "基准结果 Base result", "摆幅 Swing", "字段 Field"])
    for row in tor.itertuples(index=False):
        r += 1
        spec = schema.field_spec(row.field)
        _label(ws, r, 1, row.label_zh)
        _label(ws, r, 2, row.label_en)
        _label(ws, r, 3, row.unit)
        for col, v in ((4, row.base_input), (5, row.low_input), (6, row.high_input)):
            c = ws.cell(r, col, float(v))
            c.number_format, c.fill = _input_format(spec), _FILL_ENGINE
        for col, v in ((7, row.low_result), (8, row.high_result), (9, row.base_result), (10, row.swing)):
            _put_result(ws.cell(r, col), metric, float(v))
        _label(ws, r, 11, row.field, _FONT_KEY)
    return r
