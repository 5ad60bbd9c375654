"""Lookup tables of the model, declared once: name, row keys, column keys, values, unit, source.

A table is indexed by choice inputs (``heavy.gpu`` × ``light.precision``), so the value follows the
choice everywhere: numpy reads ``values[row_code, col_code]``; the workbook reads the same cell.
Every table here is what a ``Catalogue`` sheet shows (one defined name per table, see
:func:`formula`); until that sheet exists, each non-blank cell is also a named :class:`Const`
(:data:`CONSTANTS`, listed on the Inputs sheet) and the formula picks it with a chain of ``IF``s on
the choice text. Blank cells (NaN) are combinations the catalogue has no figure for: NaN in numpy,
"n/a" in the workbook.

>>> GPU_TFLOPS.value("H800-SXM", "FP16"), GPU_SERVER_KW.value("A100-40G-NVLink")
(989.0, 6.5)
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from finmodel.model.const import Const
from finmodel.model.sym import NOT_APPLICABLE, Sym, call, switch
from finmodel.schema import catalog

__all__ = ["Table", "TABLES", "CONSTANTS", "GPU_TFLOPS", "GPU_SERVER_KW", "values_at", "formula"]


@dataclass(frozen=True)
class Table:
    """One lookup table: ``values[i][j]`` is the value for row key ``rows[i]`` and column key
    ``cols[j]`` (NaN = no figure). ``row_field``/``col_field`` are the choice inputs whose options
    are the keys, in the same order (their codes index the table)."""

    name: str  # defined name of the values range on the Catalogue sheet
    label_en: str
    label_zh: str
    unit: str
    rows: tuple[str, ...]
    cols: tuple[str, ...]
    values: tuple[tuple[float, ...], ...]
    sources: tuple[str, ...]  # one per row
    row_field: str
    col_field: str | None = None  # None: a single column

    def value(self, row: str, col: str | None = None) -> float:
        """The value for a row key and column key (NaN = no figure). [unit]"""
        j = 0 if col is None else self.cols.index(col)
        return self.values[self.rows.index(row)][j]

    def array(self) -> np.ndarray:
        """The values as a (rows, cols) float array."""
        return np.asarray(self.values, dtype=float)

    def cell_name(self, row: str, col: str | None = None) -> str:
        """Defined name of one cell's constant: ``gpu_tflops_h800_sxm_fp16``."""
        parts = [self.name.removeprefix("catalogue_"), row] + ([] if col is None else [col])
        return re.sub(r"\W+", "_", "_".join(parts)).lower()

    def constants(self) -> tuple[Const, ...]:
        """Every non-blank cell as a named constant."""
        out = []
        for i, row in enumerate(self.rows):
            for j, col in enumerate(self.cols):
                v = self.values[i][j]
                if not math.isnan(v):
                    key = None if self.col_field is None else col
                    out.append(Const(self.cell_name(row, key), v, self.unit,
                                     f"Catalogue: {self.label_en}, {row}" + ("" if key is None else f" {col}"),
                                     f"目录：{self.label_zh}，{row}" + ("" if key is None else f" {col}")))
        return tuple(out)


def _tflops_table() -> Table:
    gpus = catalog.GPUS.values()
    values = tuple(tuple(math.nan if g.dense_tflops(p) is None else float(g.dense_tflops(p) or 0.0)
                         for p in catalog.PRECISIONS) for g in gpus)
    return Table("catalogue_gpu_tflops", "dense tensor TFLOPS per card", "单卡稠密张量算力", "TFLOPS/card",
                 catalog.GPU_KEYS, catalog.PRECISIONS, values, tuple(g.source for g in gpus),
                 row_field="heavy.gpu", col_field="light.precision")


def _server_kw_table() -> Table:
    gpus = catalog.GPUS.values()
    return Table("catalogue_gpu_server_kw", "server full-load IT power", "整机满载IT功率", "kW/server",
                 catalog.GPU_KEYS, ("server_kw",), tuple((g.server_power_kw,) for g in gpus),
                 tuple(g.source for g in gpus), row_field="heavy.gpu")


GPU_TFLOPS = _tflops_table()
GPU_SERVER_KW = _server_kw_table()
#: Every lookup table of the model (what the workbook's Catalogue sheet lists).
TABLES: tuple[Table, ...] = (GPU_TFLOPS, GPU_SERVER_KW)
#: The non-blank cells of every table as named constants (the workbook lists them until it has a
#: Catalogue sheet).
CONSTANTS: tuple[Const, ...] = tuple(c for t in TABLES for c in t.constants())


# --------------------------------------------------------------------------- the two backends
def values_at(table: Table, row_code: np.ndarray, col_code: np.ndarray | None = None) -> np.ndarray:
    """numpy: the table's value at the (broadcast) codes; NaN where a code is NaN (unset) or the
    cell is blank. [unit of the table]"""
    values = table.array()
    r = np.asarray(row_code, dtype=float)
    c = np.zeros_like(r) if col_code is None else np.asarray(col_code, dtype=float)
    r, c = np.broadcast_arrays(r, c)
    ok = np.isfinite(r) & np.isfinite(c)
    out = values[np.where(ok, r, 0).astype(int), np.where(ok, c, 0).astype(int)]
    return np.where(ok, out, np.nan)


def formula(table: Table, rows: Sequence[Sym], col: Sym | None = None, *, sheet: bool = False) -> Sym:
    """Excel: the value for the first non-blank of the choice cells ``rows`` (their text) and the
    column choice ``col``. With ``sheet`` (the workbook has a Catalogue sheet defining ``name``,
    ``name_rows`` and ``name_cols``), ``INDEX``/``MATCH`` on it; otherwise a chain of ``IF``s over
    the named constants. A blank cell reads "n/a"."""
    row = rows[-1]
    for first in reversed(rows[:-1]):
        row = switch(call("ISBLANK", first), row, first)
    return _index(table, row, col) if sheet else _chain(table, row, col)


def _index(table: Table, row: Sym, col: Sym | None) -> Sym:
    """``INDEX``/``MATCH`` on the Catalogue sheet, whose cells without a figure hold the text "n/a"
    (workbook/catalogue.py; an import refuses a changed catalogue), so the cell is the answer as it
    stands — no ``ISNUMBER`` guard writing the lookup twice (it made the formula 333 characters)."""
    r = call("MATCH", row, Sym(f"{table.name}_rows"), 0)
    c = Sym("1") if col is None else call("MATCH", col, Sym(f"{table.name}_cols"), 0)
    return call("INDEX", Sym(table.name), r, c)


def _chain(table: Table, row: Sym, col: Sym | None) -> Sym:
    out: Sym = _na()
    for i in reversed(range(len(table.rows))):
        out = switch(row.eq(_text(table.rows[i])), _column_chain(table, i, col), out)
    return out


def _column_chain(table: Table, i: int, col: Sym | None) -> Sym:
    """The value of row ``i`` for the column choice ``col`` (a chain of IFs over its columns)."""
    cells = [(j, table.values[i][j]) for j in range(len(table.cols)) if not math.isnan(table.values[i][j])]
    if col is None:
        return _name(table, i, None) if cells else _na()
    out: Sym = _na()
    for j, _ in reversed(cells):
        out = switch(col.eq(_text(table.cols[j])), _name(table, i, j), out)
    return out


def _name(table: Table, i: int, j: int | None) -> Sym:
    return Sym(table.cell_name(table.rows[i], None if j is None else table.cols[j]))


def _text(key: str) -> Sym:
    return Sym('"' + key.replace('"', '""') + '"')


def _na() -> Sym:
    return Sym('"' + NOT_APPLICABLE.text + '"')
