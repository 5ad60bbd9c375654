"""The Catalogue sheet: every lookup table of the model (:data:`finmodel.model.tables.TABLES`), the
values the formulas read with ``INDEX``/``MATCH``, and the values this scenario uses.

Each table is one block: its row keys (defined name ``<name>_rows``), its column keys
(``<name>_cols``) and its values (``<name>``); a cell without a figure reads "n/a" (NaN in numpy).
Above the tables, one line per catalogue lookup of the line items (:func:`layout.catalogue_uses`):
the row and column the live choices pick (``heavy.gpu`` → H800-SXM, ``light.precision`` → FP16),
the value in use (named ``catalogue_<model>_<item>``, highlighted in its table) and, for each input
that may be written over it, whether it does (``catalogue_note_<input>``: "overrides catalogue:
989"), which the Inputs sheet shows beside that input. The sheet is protected and the import
refuses a workbook whose catalogue values were changed: to use another figure, write the input.
"""

from __future__ import annotations

import math

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from finmodel import model
from finmodel.model import engine, tables
from finmodel.model.sym import NOT_APPLICABLE, Sym, call, switch
from finmodel.workbook import styles as st
from finmodel.workbook.layout import CATALOGUE, CatalogueUse, Layout, catalogue_uses

__all__ = ["write_catalogue", "note_name", "USES_ROW", "NOTE_TEXTS"]

USES_ROW = 5  # header of the "in use" block
_KEY_COL, _FIRST_VALUE_COL = 1, 2
_IN_USE = PatternFill("solid", fgColor="C6EFCE")
_NA_FONT = Font(italic=True, color="808080")
_SOURCE = Alignment(wrap_text=True, vertical="top", indent=1)
#: The texts of an input's catalogue note (then the catalogue's value): blank, written equal, written other.
NOTE_TEXTS = ("使用目录值 uses catalogue: ", "与目录值相同 same as catalogue: ", "覆盖目录值 overrides catalogue: ")


def note_name(path: str) -> str:
    """Defined name of the catalogue note of an input that overrides a catalogue value."""
    return f"catalogue_note_{engine.name_of(path)}"


def _letter(col: int) -> str:
    return get_column_letter(col)


def write_catalogue(wb: Workbook, layout: Layout, *, in_use: bool = True) -> dict[str, float]:
    """Write the Catalogue sheet; return the value cells whose floats must be stored exactly.
    ``in_use=False``: the tables only (a portfolio workbook has no one scenario's choices)."""
    ws: st.Sheet = wb[CATALOGUE]
    st.label(ws, 1, 1, "目录 Catalogue", st.FONT_TITLE)
    note = st.label(ws, 2, 1, "模型查表使用的GPU目录（finmodel/model/tables.py）：heavy.gpu（或 light.gpu）选行，"
                              "light.precision 选列；n/a = 无数据。目录不是输入：要用其他数值，请在 Inputs 表填写"
                              "对应输入（覆盖目录值）。导入时拒绝目录被修改的工作簿。"
                              " The GPU catalogue the model looks values up in "
                              "(finmodel/model/tables.py): heavy.gpu (or light.gpu) picks the row, light.precision the "
                              "column; n/a = no figure. Not inputs: to use another figure, write the input on Inputs, "
                              "which overrides the catalogue. Import refuses a workbook whose catalogue was changed.",
                    st.FONT_NOTE)
    note.alignment = st.WRAP
    ws.merge_cells("A2:I2")
    ws.row_dimensions[2].height = st.text_height([(str(note.value), 170)])
    uses = catalogue_uses() if in_use else ()
    use_rows = _uses(wb, ws, layout, uses) if in_use else {}
    r = USES_ROW + 1 + sum(max(1, len(u.overrides)) for u in uses) + 1
    exact: dict[str, float] = {}
    for table in tables.TABLES:
        r, cells = _table(wb, ws, r + 1, table, [(u, use_rows[u]) for u in uses if u.table is table])
        exact.update(cells)
    st.widths(ws, {"A": 30, **{_letter(c): 11 for c in range(2, 9)}, "I": 100})
    st.print_setup(ws)
    st.protect(ws)
    return exact


def _uses(wb: Workbook, ws: st.Sheet, layout: Layout, uses: tuple[CatalogueUse, ...]) -> dict[CatalogueUse, int]:
    """The catalogue values this scenario uses (live): row and column chosen, value, override notes."""
    st.section(ws, USES_ROW - 1, "本情景使用的目录值（实时） Catalogue values in use (live)", 9)
    st.header(ws, USES_ROW, ["项目 Line item", "行 Row (GPU)", "", "列 Column", "目录值 Value", "单位 Unit",
                             "覆盖输入 Override input", "", "状态 Status"])
    ws.merge_cells(start_row=USES_ROW, start_column=2, end_row=USES_ROW, end_column=3)
    ws.merge_cells(start_row=USES_ROW, start_column=7, end_row=USES_ROW, end_column=8)
    ws.row_dimensions[USES_ROW].height = 30
    out: dict[CatalogueUse, int] = {}
    r = USES_ROW
    for use in uses:
        r += 1
        out[use] = r
        it = model.item(use.model, use.key)
        label = f"{it.zh}\n{it.en}"
        st.label(ws, r, 1, label).alignment = st.WRAP
        ws.cell(r, 2, "=" + _first_set(use.rows).text)
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=3)
        if use.col is not None:
            ws.cell(r, 4, f"={engine.name_of(use.col)}")
        value = ws.cell(r, 5, layout.context(use.model).lookup(use.table, use.rows, use.col).render())
        value.number_format, value.font = "General", st.FONT_BOLD
        st.define(wb, use.name, CATALOGUE, value.coordinate)
        st.label(ws, r, 6, use.table.unit)
        for j, path in enumerate(use.overrides):
            _override(wb, ws, r + j, path, f"$E${r}")
        for j in range(max(1, len(use.overrides))):
            ws.row_dimensions[r + j].height = st.text_height([(label, 30)])
            st.align_top(ws, r + j, 9)
        r += max(1, len(use.overrides)) - 1
    return out


def _first_set(rows: tuple[str, ...]) -> Sym:
    """The first non-blank of the choice inputs ``rows`` (the one that picks the table's row)."""
    out = Sym(engine.name_of(rows[-1]))
    for path in reversed(rows[:-1]):
        out = switch(call("ISBLANK", Sym(engine.name_of(path))), out, Sym(engine.name_of(path)))
    return out


def _override(wb: Workbook, ws: st.Sheet, r: int, path: str, value: str) -> None:
    """One input written over the catalogue value ``value``, and the note the Inputs sheet shows."""
    x = engine.name_of(path)
    st.label(ws, r, 7, path, st.FONT_KEY).alignment = st.WRAP
    ws.merge_cells(start_row=r, start_column=7, end_row=r, end_column=8)
    blank, same, other = ('"' + t + '"' for t in NOTE_TEXTS)
    c = ws.cell(r, 9, f"=IF(ISBLANK({x}),{blank},IF({x}={value},{same},{other}))&{value}")
    st.define(wb, note_name(path), CATALOGUE, c.coordinate)


def _table(wb: Workbook, ws: st.Sheet, r: int, table: tables.Table,
           uses: list[tuple[CatalogueUse, int]]) -> tuple[int, dict[str, float]]:
    """One table from row ``r``: section, column keys, one row per key with its source; returns the
    last row and the value cells to store exactly."""
    cols = table.cols
    last_col = _FIRST_VALUE_COL + len(cols) - 1
    where = f"行 rows: {table.row_field}" + (f"，列 columns: {table.col_field}" if table.col_field else "")
    st.section(ws, r, f"{table.label_zh} {table.label_en} [{table.unit}] — {table.name} ({where})", 9)
    head = r + 1
    st.header(ws, head, ["型号 GPU", *cols, *([""] * (7 - len(cols))), "来源 Source"])
    for col in range(_FIRST_VALUE_COL, last_col + 1):
        ws.cell(head, col).alignment = st.RIGHT
    first = head + 1
    exact: dict[str, float] = {}
    for i, key in enumerate(table.rows):
        row = first + i
        st.label(ws, row, _KEY_COL, key, st.FONT_BOLD)
        for j in range(len(cols)):
            v = table.values[i][j]
            c = ws.cell(row, _FIRST_VALUE_COL + j)
            if math.isnan(v):
                st.put_text(c, NOT_APPLICABLE.text)
                c.font = _NA_FONT
            else:
                c.value, c.number_format = v, "General"
                exact[c.coordinate] = v
            c.alignment = st.RIGHT
        st.label(ws, row, 9, table.sources[i], st.FONT_NOTE).alignment = _SOURCE
        ws.row_dimensions[row].height = st.text_height([(table.sources[i], 100)])
        st.align_top(ws, row, 9)
    last = first + len(table.rows) - 1
    a, b = _letter(_FIRST_VALUE_COL), _letter(last_col)
    st.define_range(wb, table.name, CATALOGUE, f"{a}{first}:{b}{last}")
    st.define_range(wb, f"{table.name}_rows", CATALOGUE, f"A{first}:A{last}")
    st.define_range(wb, f"{table.name}_cols", CATALOGUE, f"{a}{head}:{b}{head}")
    for _, use_row in uses:  # the value in use, highlighted (a live choice picks another cell)
        test = f"$A{first}=$B${use_row}" + (f",{a}${head}=$D${use_row}" if table.col_field else "")
        ws.conditional_formatting.add(f"{a}{first}:{b}{last}", FormulaRule(formula=[f"AND({test})"], fill=_IN_USE))
    return last + 1, exact
