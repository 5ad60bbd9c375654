"""One formula, two backends: numpy arrays or Excel formula text.

Every line item of the model is written once, as a pure function of its inputs, using ordinary
arithmetic plus the primitives below (``where``, ``maximum``, ``prev``, ``cumsum`` ...). Called with
numpy arrays the function computes numbers (scenario axes first, months last, broadcasting);
called with :class:`Sym` objects it returns the Excel formula for the same line. That is how the
workbook's formulas and the Python engine share one source of truth (see ``finmodel.workbook``).
The contract of both backends is the :data:`Num` alias: a float, a numpy array or a formula symbol.

Timing convention (pinned by tests): column/month ``t = 0`` is the purchase date; monthly flows
fall at the end of month ``t``; ``prev(x)`` at ``t = 0`` is 0.

Numbers other than 0 and 1 are not allowed inside a symbolic formula (FAST: no constants in
formulas); use a named :class:`Const` instead, which the workbook lists on its Inputs sheet.
The symbolic algebra (Excel precedence, folding of constant branches) lives in
:mod:`finmodel.model.sym`; this module is the two-backend vocabulary the stage functions use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeAlias, cast

import numpy as np
import numpy.typing as npt

from finmodel.model.sym import (
    BLANK,
    NEVER,
    NONE,
    NOT_APPLICABLE,
    Sym,
    Text,
    binary,
    call,
    is_sym,
    map_atoms,
    negate,
    safe_quotient,
    switch,
    to_sym,
)

__all__ = [
    "Num",
    "Sym",
    "Const",
    "CONSTANTS",
    "MONTHS_PER_YEAR",
    "TFLOPS_PER_PFLOPS",
    "BLANK",
    "NEVER",
    "NONE",
    "NOT_APPLICABLE",
    "Text",
    "RowRange",
    "quote_sheet",
    "row_sum",
    "row_last",
    "row_max",
    "row_count",
    "sumproduct",
    "npv",
    "irr",
    "irr_root_name",
    "iferror",
    "where",
    "maximum",
    "minimum",
    "floor",
    "land",
    "is_blank",
    "prev",
    "cumsum",
    "cummax",
    "safe_div",
]

#: What every primitive takes and returns: a float (or a :class:`Const`), a numpy array (numpy
#: backend: scenario axes first, months last) or a :class:`Sym` (formula backend).
Num: TypeAlias = "float | np.ndarray | Sym"


class Const(float):
    """A named model constant (a unit conversion), e.g. 12 months per year.

    In numpy it is a plain float; in Excel a defined name on the Inputs sheet. Arithmetic between
    constants and plain numbers stays a Const whose ``sym`` is the formula (``1/months_per_year``),
    so no bare number ever lands inside a generated formula."""

    name: str
    sym: Sym
    unit: str
    label_en: str
    label_zh: str

    def __new__(cls, name: str, value: float, unit: str = "", label_en: str = "", label_zh: str = "",
                sym: Sym | None = None) -> Const:
        obj = super().__new__(cls, value)
        obj.name, obj.unit, obj.label_en, obj.label_zh = name, unit, label_en, label_zh
        obj.sym = sym if sym is not None else Sym(name)
        return obj

    @property
    def value(self) -> float:
        return float(self)

    @property
    def text(self) -> str:
        """The Excel text: the constant's name, or the formula of a derived constant."""
        return self.sym.text

    def _op(self, other: object, op: str, reflected: bool) -> Const:
        if isinstance(other, bool) or not isinstance(other, (int, float, np.integer, np.floating)):
            return NotImplemented
        a, b = (other, self) if reflected else (self, other)
        fa, fb = float(a), float(b)
        value = {"+": fa + fb, "-": fa - fb, "*": fa * fb, "/": fa / fb}[op]
        return Const("", value, sym=binary(op, a, b))

    def __add__(self, o: object) -> Const:
        return self._op(o, "+", False)

    def __radd__(self, o: object) -> Const:
        return self._op(o, "+", True)

    def __sub__(self, o: object) -> Const:
        return self._op(o, "-", False)

    def __rsub__(self, o: object) -> Const:
        return self._op(o, "-", True)

    def __mul__(self, o: object) -> Const:
        return self._op(o, "*", False)

    def __rmul__(self, o: object) -> Const:
        return self._op(o, "*", True)

    def __truediv__(self, o: object) -> Const:
        return self._op(o, "/", False)

    def __rtruediv__(self, o: object) -> Const:
        return self._op(o, "/", True)

    def __neg__(self) -> Const:
        return Const("", -float(self), sym=negate(self.sym))


MONTHS_PER_YEAR = Const("months_per_year", 12.0, "months/year", "Months per year", "每年月数")
TFLOPS_PER_PFLOPS = Const("tflops_per_pflops", 1000.0, "TFLOPS/P", "TFLOPS per P (PFLOPS)", "每P的TFLOPS数")
CONSTANTS = (MONTHS_PER_YEAR, TFLOPS_PER_PFLOPS)


def _num(x: Num | Text) -> npt.ArrayLike:
    """A numpy operand (no :class:`Sym` reaches the numpy side); a :class:`Text` (a non-numeric
    result) is NaN."""
    return np.nan if isinstance(x, Text) else cast("npt.ArrayLike", x)


# --------------------------------------------------------------------------- element-wise
def where(cond: Num, a: Num | Text, b: Num | Text) -> Num:
    """``a`` where ``cond`` else ``b`` (Excel ``IF``; a constant test keeps only its branch)."""
    if is_sym(cond, a, b):
        return switch(cond, a, b)
    return np.where(_num(cond), _num(a), _num(b))


def maximum(a: Num, b: Num) -> Num:
    """Element-wise maximum (Excel ``MAX``)."""
    if is_sym(a, b):
        return call("MAX", a, b)
    return np.maximum(_num(a), _num(b))


def minimum(a: Num, b: Num) -> Num:
    """Element-wise minimum (Excel ``MIN``)."""
    if is_sym(a, b):
        return call("MIN", a, b)
    return np.minimum(_num(a), _num(b))


def floor(a: Num) -> Num:
    """Round down to an integer (Excel ``INT``)."""
    if is_sym(a):
        return call("INT", a)
    return np.floor(_num(a))


def land(a: Num, b: Num) -> Num:
    """Logical and (Excel ``AND``)."""
    if is_sym(a, b):
        return call("AND", a, b)
    return np.logical_and(_num(a), _num(b))


def is_blank(a: Num) -> Num:
    """True where an optional input is not set (NaN in numpy, an empty cell in Excel)."""
    if is_sym(a):
        return call("ISBLANK", a)
    return np.isnan(_num(a))


def safe_div(a: Num, b: Num) -> Num:
    """``a / b``, 0 where ``b`` is 0 (Excel ``IF(b=0,0,a/b)``; the guard is left out inside an
    ``IF`` whose test already says ``b > 0``)."""
    if is_sym(a, b):
        return safe_quotient(to_sym(a), to_sym(b))
    a, b = np.asarray(_num(a), dtype=float), np.asarray(_num(b), dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))


def iferror(x: Num, fallback: Text) -> Num:
    """``x`` where it is a finite number, else ``fallback`` (NaN in numpy)."""
    if is_sym(x):
        return call("IFERROR", x, fallback)
    arr = np.asarray(_num(x), dtype=float)
    return np.where(np.isfinite(arr), arr, np.nan)


# --------------------------------------------------------------------------- along the timeline
def prev(x: Num) -> Num:
    """Value of a timeline row in the previous month; 0 at ``t = 0``. Shape (..., T)."""
    if isinstance(x, Sym):
        if "{c}" not in x.text:
            raise ValueError("prev() needs a timeline row")
        return map_atoms(x, lambda text: text.replace("{c}", "{p}"))
    x = np.asarray(x, dtype=float)
    out = np.zeros_like(x)
    out[..., 1:] = x[..., :-1]
    return out


@dataclass(frozen=True)
class _Accumulate:
    """Marker returned by cumsum/cummax in the symbolic backend: the row refers to itself."""

    kind: str  # "sum" or "max"
    arg: Sym


def cumsum(x: Num) -> Num | _Accumulate:
    """Running total along months. In Excel: previous cell of this row + x."""
    if isinstance(x, Sym):
        return _Accumulate("sum", x)
    return np.cumsum(np.asarray(x, dtype=float), axis=-1)


def cummax(x: Num) -> Num | _Accumulate:
    """Running maximum along months, starting from 0. In Excel: MAX(previous cell, x)."""
    if isinstance(x, Sym):
        return _Accumulate("max", x)
    return np.maximum.accumulate(np.maximum(np.asarray(x, dtype=float), 0.0), axis=-1)


def accumulate_text(acc: _Accumulate, self_ref: Sym) -> Sym:
    """Excel formula of a cumsum/cummax row given a reference to the row itself."""
    before = prev(self_ref)
    if acc.kind == "sum":
        return binary("+", before, acc.arg)
    return call("MAX", before, acc.arg)


# --------------------------------------------------------------------------- reductions over a row
@dataclass(frozen=True)
class RowRange:
    """A whole timeline row in the workbook, for reductions in a summary cell.

    ``first``/``last`` are column letters of month 0 and the last month."""

    sheet: str
    row: int
    first: str
    second: str
    last: str

    def _ref(self, a: str, b: str) -> str:
        return f"{quote_sheet(self.sheet)}!${a}${self.row}:${b}${self.row}"

    @property
    def all(self) -> str:
        return self._ref(self.first, self.last)

    @property
    def after_first(self) -> str:
        return self._ref(self.second, self.last)

    @property
    def first_cell(self) -> str:
        return f"{quote_sheet(self.sheet)}!${self.first}${self.row}"

    @property
    def last_cell(self) -> str:
        return f"{quote_sheet(self.sheet)}!${self.last}${self.row}"


def quote_sheet(name: str) -> str:
    """A sheet name as a formula writes it before ``!`` (quoted unless it is a plain identifier)."""
    return name if name.isidentifier() else "'" + name.replace("'", "''") + "'"


Row: TypeAlias = "np.ndarray | RowRange"  # a monthly row: numbers, or its range on a timeline sheet


def _rows(x: Row) -> np.ndarray:
    return np.asarray(x, dtype=float)


def row_sum(x: Row) -> Num:
    """Total of a row over the horizon, shape (..., 1). [unit of the row]"""
    if isinstance(x, RowRange):
        return Sym(f"SUM({x.all})")
    return np.nansum(_rows(x), axis=-1, keepdims=True)


def row_last(x: Row) -> Num:
    """Value in the last month of the horizon."""
    if isinstance(x, RowRange):
        return Sym(x.last_cell)
    return _rows(x)[..., -1:]


def row_max(x: Row) -> Num:
    """Largest non-blank value of a row (Excel MAX ignores text)."""
    if isinstance(x, RowRange):
        return Sym(f"MAX({x.all})")
    x = _rows(x)
    with np.errstate(invalid="ignore"):
        out = np.max(np.where(np.isnan(x), -np.inf, x), axis=-1, keepdims=True)
    return np.where(np.isneginf(out), 0.0, out)


def row_count(x: Row) -> Num:
    """Number of numeric (non-blank) cells in a row."""
    if isinstance(x, RowRange):
        return Sym(f"COUNT({x.all})")
    return np.sum(~np.isnan(_rows(x)), axis=-1, keepdims=True).astype(float)


def sumproduct(a: Row, b: Row) -> Num:
    """Sum over months of ``a × b`` (Excel SUMPRODUCT)."""
    if isinstance(a, RowRange) and isinstance(b, RowRange):
        return Sym(f"SUMPRODUCT({a.all},{b.all})")
    return np.sum(_rows(a) * _rows(b), axis=-1, keepdims=True)


def npv(rate_per_month: Num, cash_flow: Row) -> Num:
    """Net present value at month 0 of monthly flows at month ends, month 0 undiscounted.

    Excel's NPV() discounts its first argument by one period, so the workbook writes
    ``NPV(rate, month 1..H) + month 0``. [CNY]"""
    if isinstance(cash_flow, RowRange):
        discounted = call("NPV", rate_per_month, Sym(cash_flow.after_first))
        return binary("+", discounted, Sym(cash_flow.first_cell))
    cf = _rows(cash_flow)
    t = np.arange(cf.shape[-1])
    r = np.asarray(_num(rate_per_month), dtype=float)  # scalar or (..., 1)
    return np.sum(cf * (1.0 + r) ** -t, axis=-1, keepdims=True)


def irr(cash_flow: Row) -> Num:
    """Monthly internal rate of return of a row: the IRR closest to a zero rate; NaN (Excel: an
    error) where the NPV never changes sign on :func:`finmodel.model.irr.grid_rates`.

    numpy: :func:`finmodel.model.irr.irr`. Excel: a reference to the row's result on the workbook's
    "IRR solver" sheet (the defined name :func:`irr_root_name`), which
    :mod:`finmodel.workbook.irr_sheet` lays out: the engine's method in cells, not Excel's ``IRR()``
    (at most 20 Newton steps from a guess: it misses deeply loss-making roots and may land on
    another root of a row whose flows change sign more than once)."""
    if isinstance(cash_flow, RowRange):
        name = Sym(irr_root_name(cash_flow))
        return where(call("ISNUMBER", name), name, Sym("NA()"))
    from finmodel.model.irr import irr as _irr

    return _irr(_rows(cash_flow))[..., None]


def irr_root_name(cf: RowRange) -> str:
    """Defined name of the monthly IRR of a timeline row on the workbook's IRR solver sheet."""
    return "irr_" + re.sub(r"\W", "_", cf.sheet).lower() + f"_row{cf.row}"
