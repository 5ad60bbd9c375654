"""Number formats, colours and the small cell helpers every sheet writer uses."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import Any, TypeAlias

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import quote_sheetname
from openpyxl.workbook.defined_name import DefinedName

from finmodel import __version__
from finmodel.model.display import UNATTAINABLE
from finmodel.workbook.xlsx import cell_text

# ---- number formats (render in Excel and LibreOffice; 万 form verified in LibreOffice 7.4) ----
CNY = '"¥"#,##0;[Red]-"¥"#,##0'
#: 万元 cells hold CNY ÷ cny_per_wan (a named constant): 12,333.3万 with thousands separators.
WAN = '#,##0.0"万";[Red]-#,##0.0"万"'
#: Chart axes show CNY in 万 by a scaling format (÷1,000 by the comma, a literal dot: 588.7万), since
#: an axis cannot divide; verified in LibreOffice 7.4 (the often-quoted 0!.0,"万" is not).
WAN_AXIS = '0\\.0,"万";[Red]-0\\.0,"万"'
FORMATS: dict[str, str] = {
    "cny": CNY,
    "cny_per_p_year": CNY,
    "price": '"¥"#,##0.00;[Red]-"¥"#,##0.00',
    "frac": "0.0%",
    "months": "0.0",
    "number": "General",  # 60 months, 730 h/month, 0.9 × (no ".00")
    "flag": "0",
    "p": "#,##0.000",
    "rate": "0.0000%",  # 0.3750 % a month
}
MONEY_FMTS = ("cny", "cny_per_p_year")
MULTIPLE = '0.00"×"'


def item_format(item: Any) -> str:
    """The number format of a line item's values: its ``fmt``; a value above its
    ``unattainable_above`` (a break-even occupancy over 100 %) reads "无法达到 unattainable", as in
    the CLI and the dashboard (``display.UNATTAINABLE``), while the cell keeps the number."""
    fmt = MULTIPLE if item.unit == "×" else FORMATS[item.fmt]  # MOIC: 1.38×
    ceiling = getattr(item, "unattainable_above", None)
    if ceiling is None:
        return fmt
    return f'[>{ceiling:g}]"{UNATTAINABLE["zh"]} {UNATTAINABLE["en"]}";{fmt}'

# ---- colours and fonts ------------------------------------------------------------------------
FILL_INPUT = PatternFill("solid", fgColor="FFF2CC")
FILL_HEADER = PatternFill("solid", fgColor="1F4E78")
FILL_SECTION = PatternFill("solid", fgColor="DDEBF7")
FILL_ENGINE = PatternFill("solid", fgColor="E2EFDA")
FILL_OPENING = PatternFill("solid", fgColor="F2F2F2")
FONT_INPUT = Font(color="0000CC")
FONT_HEADER = Font(bold=True, color="FFFFFF")
FONT_TITLE = Font(bold=True, size=14)
FONT_BOLD = Font(bold=True)
FONT_NOTE = Font(italic=True, color="595959")
FONT_HELPER = Font(italic=True, color="808080")
FONT_KEY = Font(color="808080", size=9)
FONT_LINK = Font(color="0563C1", underline="single")
_THIN = Side(style="thin", color="BF9000")
BORDER_INPUT = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
RIGHT = Alignment(horizontal="right")
CENTER = Alignment(horizontal="center", vertical="center")
UNLOCKED = Protection(locked=False)

#: A worksheet as the writers use it. openpyxl's stubs type ``ws.cell()`` as ``Cell | MergedCell`` (a
#: merged cell's value is read-only) and ``wb[name]`` as a worksheet or a chartsheet; the writers only
#: write unmerged cells of worksheets, so they take this alias instead of a cast at every call.
Sheet: TypeAlias = Any

_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


#: openpyxl's workbook collection and style-array slot of each cell style attribute.
_SLOTS = {"font": ("_fonts", "fontId"), "fill": ("_fills", "fillId"), "border": ("_borders", "borderId"),
          "protection": ("_protections", "protectionId"), "alignment": ("_alignments", "alignmentId")}


def set_style(cell: Cell, attr: str, value: object) -> None:
    """``setattr(cell, attr, value)`` for a font, fill, border, protection or alignment, with the
    workbook's index of ``value`` cached by identity: openpyxl hashes the whole style object on every
    assignment (a fifth of an export's time). The cache holds the object, so its id stays unique."""
    wb = cell.parent.parent
    cache: dict[tuple[str, int], tuple[object, int]] = wb.__dict__.setdefault("_finmodel_style_ids", {})
    collection, slot = _SLOTS[attr]
    hit = cache.get((attr, id(value)))
    if hit is None:
        hit = cache[(attr, id(value))] = (value, getattr(wb, collection).add(value))
    if not cell._style:  # type: ignore[attr-defined]
        cell._style = StyleArray()  # type: ignore[attr-defined]
    setattr(cell._style, slot, hit[1])  # type: ignore[attr-defined]


def put_text(cell: Cell, value: str | None) -> None:
    """Write user text so that it can never run as a formula."""
    if value is None:
        return
    cell.value = cell_text(str(value))
    cell.data_type = "s"  # inline string, even if it starts with "="
    if str(value).startswith(_FORMULA_TRIGGERS):
        cell.quotePrefix = True  # Excel's own marker for "text that looks like a formula"


def label(ws: Sheet, row: int, col: int, text: str, font: Font | None = None) -> Cell:
    """A text cell (always text, even if it starts with ``=``)."""
    c = ws.cell(row, col)
    put_text(c, text)
    if font is not None:
        set_style(c, "font", font)
    return c


def input_style(c: Cell) -> None:
    """Yellow, blue, bordered and unlocked: a cell the analyst may change."""
    for attr, value in (("fill", FILL_INPUT), ("font", FONT_INPUT), ("border", BORDER_INPUT),
                        ("protection", UNLOCKED)):
        set_style(c, attr, value)


_HEADER_ALIGN = Alignment(vertical="center", wrap_text=True)


def header(ws: Sheet, row: int, titles: Sequence[str], first_col: int = 1) -> None:
    for j, t in enumerate(titles):
        c = ws.cell(row, first_col + j, t)
        set_style(c, "font", FONT_HEADER)
        set_style(c, "fill", FILL_HEADER)
        set_style(c, "alignment", _HEADER_ALIGN)


def section(ws: Sheet, row: int, text: str, width: int) -> None:
    for col in range(1, width + 1):
        set_style(ws.cell(row, col), "fill", FILL_SECTION)
    set_style(ws.cell(row, 1, text), "font", FONT_BOLD)


def text_height(parts: Sequence[tuple[str, float]], *, line: float = 15.0) -> float:
    """Row height (points) that shows wrapped texts in full: each (text, column width in characters);
    CJK characters count double. Excel does not size wrapped rows on opening a file, so we do."""
    lines = 1
    for text, width in parts:
        n = 0
        for para in str(text).split("\n"):
            w = sum(2 if ord(ch) > 0x2E80 else 1 for ch in para)
            n += max(1, -(-int(w * 1.05) // max(int(width), 1)))
        lines = max(lines, n)
    return line * lines + 2


def align_top(ws: Sheet, row: int, last_col: int) -> None:
    """Every cell of a row at the top (a row sized for wrapped text reads level with its label).

    Sets the style array's alignment index directly (one new alignment per old one, cached):
    assigning ``cell.alignment`` hashes the whole alignment every time, 10× slower."""
    wb = ws.parent
    cache: dict[int, int] = wb.__dict__.setdefault("_finmodel_top", {})
    for col in range(1, last_col + 1):
        c = ws.cell(row, col)
        if c._style is None:  # type: ignore[attr-defined]
            c._style = StyleArray()  # type: ignore[attr-defined]
        old = c._style.alignmentId  # type: ignore[attr-defined]
        if old not in cache:
            al = wb._alignments[old]
            cache[old] = wb._alignments.add(Alignment(vertical="top", wrap_text=al.wrap_text,
                                                      horizontal=al.horizontal))
        c._style.alignmentId = cache[old]  # type: ignore[attr-defined]


def define(wb: Workbook, name: str, sheet: str, coord: str) -> None:
    """A workbook-scoped defined name for one cell."""
    m = re.match(r"([A-Z]+)(\d+)", coord)
    if m is None:  # pragma: no cover - a layout bug
        raise ValueError(f"not a cell: {coord!r}")
    col, row = m.groups()
    wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(sheet)}!${col}${row}")


def define_range(wb: Workbook, name: str, sheet: str, ref: str) -> None:
    """A workbook-scoped defined name for a range (``G5:BO5``)."""
    absolute = ":".join(re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", part) for part in ref.split(":"))
    wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(sheet)}!{absolute}")


def define_formula(wb: Workbook, name: str, formula: str) -> None:
    """A workbook-scoped defined name for a formula (``INDEX(...)``, without ``=``)."""
    wb.defined_names[name] = DefinedName(name, attr_text=formula)


def widths(ws: Sheet, cols: dict[str, float]) -> None:
    for col, w in cols.items():
        ws.column_dimensions[col].width = w


class StyleCopier:
    """Style the first cell of a kind by hand, then copy its style array to the others (fast)."""

    def __init__(self) -> None:
        self._styles: dict[object, object] = {}

    def apply(self, cell: Cell, kind: object, style: dict[str, object]) -> None:
        known = self._styles.get(kind)
        if known is not None:
            cell._style = copy.copy(known)  # type: ignore[attr-defined]
            return
        for attr, value in style.items():
            setattr(cell, attr, value)
        self._styles[kind] = cell._style  # type: ignore[attr-defined]


def print_setup(ws: Sheet, *, landscape: bool = True, fit: str = "width", title_rows: str | None = None,
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


def protect(ws: Sheet) -> None:
    """Protect formulas against accidental edits (no password: Review → Unprotect Sheet)."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False
