"""One formula, two backends: numpy arrays or Excel formula text.

Every line item of the model is written once, as a pure function of its inputs, using ordinary
arithmetic plus the primitives below (``where``, ``maximum``, ``prev``, ``cumsum`` ...). Called with
numpy arrays the function computes numbers (scenario axes first, months last, broadcasting);
called with :class:`Sym` objects it returns the Excel formula for the same line. That is how the
workbook's formulas and the Python engine share one source of truth (see ``finmodel.workbook``).

Timing convention (pinned by tests): column/month ``t = 0`` is the purchase date; monthly flows
fall at the end of month ``t``; ``prev(x)`` at ``t = 0`` is 0.

Numbers other than 0 and 1 are not allowed inside a symbolic formula (FAST: no constants in
formulas); use a named :class:`Const` instead, which the workbook lists on its Inputs sheet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "Sym",
    "Const",
    "MONTHS_PER_YEAR",
    "TFLOPS_PER_PFLOPS",
    "BLANK",
    "NEVER",
    "NONE",
    "NOT_APPLICABLE",
    "Text",
    "RowRange",
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


# --------------------------------------------------------------------------- symbolic values
class Sym:
    """An Excel formula fragment. ``text`` may contain ``{c}`` (this column) and ``{p}``
    (previous column) placeholders for timeline rows; they are filled in per column."""

    __slots__ = ("text",)
    __array_priority__ = 1000  # make numpy defer to Sym's reflected operators

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Sym({self.text!r})"

    # arithmetic -------------------------------------------------------------------------
    def _bin(self, op: str, other: Any, reflected: bool = False) -> Sym:
        a, b = (_text(other), self.text) if reflected else (self.text, _text(other))
        return Sym(f"({a}{op}{b})")

    def __add__(self, o):
        return self._bin("+", o)

    def __radd__(self, o):
        return self._bin("+", o, True)

    def __sub__(self, o):
        return self._bin("-", o)

    def __rsub__(self, o):
        return self._bin("-", o, True)

    def __mul__(self, o):
        return self._bin("*", o)

    def __rmul__(self, o):
        return self._bin("*", o, True)

    def __truediv__(self, o):
        return self._bin("/", o)

    def __rtruediv__(self, o):
        return self._bin("/", o, True)

    def __pow__(self, o):
        return self._bin("^", o)

    def __rpow__(self, o):
        return self._bin("^", o, True)

    def __neg__(self):
        return Sym(f"(-{self.text})")

    # comparisons produce Excel booleans -------------------------------------------------
    def __lt__(self, o):
        return self._bin("<", o)

    def __le__(self, o):
        return self._bin("<=", o)

    def __gt__(self, o):
        return self._bin(">", o)

    def __ge__(self, o):
        return self._bin(">=", o)

    def eq(self, o) -> Sym:
        """Excel equality (``==`` is kept for Python identity semantics)."""
        return self._bin("=", o)

    def __and__(self, o):
        return Sym(f"AND({self.text},{_text(o)})")

    def __rand__(self, o):
        return Sym(f"AND({_text(o)},{self.text})")

    def __bool__(self):  # a symbolic condition has no truth value in Python
        raise TypeError("a symbolic formula cannot be used in a Python `if`; use expr.where()")

    def render(self, col: str = "", prev_col: str = "") -> str:
        """Formula text for one column (``{c}``/``{p}`` replaced)."""
        return "=" + self.text.replace("{c}", col).replace("{p}", prev_col)


class Const(float):
    """A named model constant (a unit conversion), e.g. 12 months per year.

    In numpy it is a plain float; in Excel a defined name on the Inputs sheet. Arithmetic between
    constants and plain numbers stays a Const whose ``text`` is the formula (``(1/months_per_year)``),
    so no bare number ever lands inside a generated formula."""

    name: str
    text: str
    unit: str
    label_en: str
    label_zh: str

    def __new__(cls, name: str, value: float, unit: str = "", label_en: str = "", label_zh: str = "",
                text: str | None = None) -> Const:
        obj = super().__new__(cls, value)
        obj.name, obj.unit, obj.label_en, obj.label_zh = name, unit, label_en, label_zh
        obj.text = text if text is not None else name
        return obj

    @property
    def value(self) -> float:
        return float(self)

    def _op(self, other: Any, sym: str, reflected: bool) -> Any:
        if isinstance(other, bool) or not isinstance(other, (int, float, np.integer, np.floating)):
            return NotImplemented
        a, b = (other, self) if reflected else (self, other)
        fa, fb = float(a), float(b)
        value = {"+": fa + fb, "-": fa - fb, "*": fa * fb, "/": fa / fb, "^": fa**fb}[sym]
        return Const("", value, text=f"({_text(a)}{sym}{_text(b)})")

    def __add__(self, o):
        return self._op(o, "+", False)

    def __radd__(self, o):
        return self._op(o, "+", True)

    def __sub__(self, o):
        return self._op(o, "-", False)

    def __rsub__(self, o):
        return self._op(o, "-", True)

    def __mul__(self, o):
        return self._op(o, "*", False)

    def __rmul__(self, o):
        return self._op(o, "*", True)

    def __truediv__(self, o):
        return self._op(o, "/", False)

    def __rtruediv__(self, o):
        return self._op(o, "/", True)

    def __neg__(self):
        return Const("", -float(self), text=f"(-{self.text})")


MONTHS_PER_YEAR = Const("months_per_year", 12.0, "months/year", "Months per year", "每年月数")
TFLOPS_PER_PFLOPS = Const("tflops_per_pflops", 1000.0, "TFLOPS/P", "TFLOPS per P (PFLOPS)", "每P的TFLOPS数")
CONSTANTS = (MONTHS_PER_YEAR, TFLOPS_PER_PFLOPS)


@dataclass(frozen=True)
class Text:
    """A non-numeric result: NaN in numpy, a text cell in Excel ("" is an empty cell, which
    MAX and COUNT ignore; "never" marks a payback that is not reached)."""

    text: str


BLANK = Text("")
NEVER = Text("never")
NONE = Text("none")
NOT_APPLICABLE = Text("n/a")


def _is_sym(*xs: Any) -> bool:
    return any(isinstance(x, Sym) for x in xs)


def _text(x: Any) -> str:
    """Excel text of an operand; refuses bare numbers other than 0 and 1."""
    if isinstance(x, Sym):
        return x.text
    if isinstance(x, Const):
        return x.text
    if isinstance(x, Text):
        return '"' + x.text.replace('"', '""') + '"'
    if isinstance(x, (bool, np.bool_)):
        return "TRUE" if x else "FALSE"
    if isinstance(x, (int, float, np.integer, np.floating)):
        if float(x) in (0.0, 1.0):
            return str(int(x))
        raise ValueError(f"constant {x!r} inside a formula: declare it as an expr.Const")
    raise TypeError(f"cannot use {type(x).__name__} in a formula")


def _num(x: Any) -> Any:
    if isinstance(x, Text):
        return np.nan
    return x


# --------------------------------------------------------------------------- element-wise
def where(cond, a, b):
    """``a`` where ``cond`` else ``b`` (Excel ``IF``)."""
    if _is_sym(cond, a, b):
        return Sym(f"IF({_text(cond)},{_text(a)},{_text(b)})")
    return np.where(cond, _num(a), _num(b))


def maximum(a, b):
    """Element-wise maximum (Excel ``MAX``)."""
    if _is_sym(a, b):
        return Sym(f"MAX({_text(a)},{_text(b)})")
    return np.maximum(_num(a), _num(b))


def minimum(a, b):
    """Element-wise minimum (Excel ``MIN``)."""
    if _is_sym(a, b):
        return Sym(f"MIN({_text(a)},{_text(b)})")
    return np.minimum(_num(a), _num(b))


def floor(a):
    """Round down to an integer (Excel ``INT``)."""
    if _is_sym(a):
        return Sym(f"INT({_text(a)})")
    return np.floor(_num(a))


def land(a, b):
    """Logical and (Excel ``AND``)."""
    if _is_sym(a, b):
        return Sym(f"AND({_text(a)},{_text(b)})")
    return np.logical_and(a, b)


def is_blank(a):
    """True where an optional input is not set (NaN in numpy, an empty cell in Excel)."""
    if _is_sym(a):
        return Sym(f"ISBLANK({_text(a)})")
    return np.isnan(a)


def safe_div(a, b):
    """``a / b``, 0 where ``b`` is 0 (Excel ``IF(b=0,0,a/b)``)."""
    if _is_sym(a, b):
        bt = _text(b)
        return Sym(f"IF({bt}=0,0,{_text(a)}/{bt})")
    a, b = np.asarray(_num(a), dtype=float), np.asarray(_num(b), dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))


# --------------------------------------------------------------------------- along the timeline
def prev(x):
    """Value of a timeline row in the previous month; 0 at ``t = 0``. Shape (..., T)."""
    if _is_sym(x):
        if "{c}" not in x.text:
            raise ValueError("prev() needs a timeline row")
        return Sym(x.text.replace("{c}", "{p}"))
    x = np.asarray(x, dtype=float)
    out = np.zeros_like(x)
    out[..., 1:] = x[..., :-1]
    return out


@dataclass(frozen=True)
class _Accumulate:
    """Marker returned by cumsum/cummax in the symbolic backend: the row refers to itself."""

    kind: str  # "sum" or "max"
    arg: Sym


def cumsum(x):
    """Running total along months. In Excel: previous cell of this row + x."""
    if _is_sym(x):
        return _Accumulate("sum", x)
    return np.cumsum(np.asarray(x, dtype=float), axis=-1)


def cummax(x):
    """Running maximum along months, starting from 0. In Excel: MAX(previous cell, x)."""
    if _is_sym(x):
        return _Accumulate("max", x)
    return np.maximum.accumulate(np.maximum(np.asarray(x, dtype=float), 0.0), axis=-1)


def accumulate_text(acc: _Accumulate, self_ref: Sym) -> Sym:
    """Excel formula of a cumsum/cummax row given a reference to the row itself."""
    p = prev(self_ref).text
    if acc.kind == "sum":
        return Sym(f"({p}+{acc.arg.text})")
    return Sym(f"MAX({p},{acc.arg.text})")


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
        return f"{_sheet(self.sheet)}!${a}${self.row}:${b}${self.row}"

    @property
    def all(self) -> str:
        return self._ref(self.first, self.last)

    @property
    def after_first(self) -> str:
        return self._ref(self.second, self.last)

    @property
    def first_cell(self) -> str:
        return f"{_sheet(self.sheet)}!${self.first}${self.row}"

    @property
    def last_cell(self) -> str:
        return f"{_sheet(self.sheet)}!${self.last}${self.row}"


def _sheet(name: str) -> str:
    return name if name.isidentifier() else "'" + name.replace("'", "''") + "'"


def _rows(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=float)


def row_sum(x):
    """Total of a row over the horizon, shape (..., 1). [unit of the row]"""
    if isinstance(x, RowRange):
        return Sym(f"SUM({x.all})")
    return np.nansum(_rows(x), axis=-1, keepdims=True)


def row_last(x):
    """Value in the last month of the horizon."""
    if isinstance(x, RowRange):
        return Sym(x.last_cell)
    return _rows(x)[..., -1:]


def row_max(x):
    """Largest non-blank value of a row (Excel MAX ignores text)."""
    if isinstance(x, RowRange):
        return Sym(f"MAX({x.all})")
    x = _rows(x)
    with np.errstate(invalid="ignore"):
        out = np.max(np.where(np.isnan(x), -np.inf, x), axis=-1, keepdims=True)
    return np.where(np.isneginf(out), 0.0, out)


def row_count(x):
    """Number of numeric (non-blank) cells in a row."""
    if isinstance(x, RowRange):
        return Sym(f"COUNT({x.all})")
    return np.sum(~np.isnan(_rows(x)), axis=-1, keepdims=True).astype(float)


def sumproduct(a, b):
    """Sum over months of ``a × b`` (Excel SUMPRODUCT)."""
    if isinstance(a, RowRange):
        return Sym(f"SUMPRODUCT({a.all},{b.all})")
    return np.sum(_rows(a) * _rows(b), axis=-1, keepdims=True)


def npv(rate_per_month, cash_flow):
    """Net present value at month 0 of monthly flows at month ends, month 0 undiscounted.

    Excel's NPV() discounts its first argument by one period, so the workbook writes
    ``NPV(rate, month 1..H) + month 0``. [CNY]"""
    if isinstance(cash_flow, RowRange):
        return Sym(f"(NPV({_text(rate_per_month)},{cash_flow.after_first})+{cash_flow.first_cell})")
    cf = _rows(cash_flow)
    t = np.arange(cf.shape[-1])
    r = np.asarray(_num(rate_per_month), dtype=float)  # scalar or (..., 1)
    return np.sum(cf * (1.0 + r) ** -t, axis=-1, keepdims=True)


def irr(cash_flow):
    """Monthly internal rate of return of a row: the IRR closest to a zero rate; NaN (Excel: an
    error) where the NPV never changes sign on :func:`finmodel.model.irr.grid_rates`.

    numpy: :func:`finmodel.model.irr.irr`. Excel: a reference to the row's result on the workbook's
    "IRR solver" sheet (defined name :func:`irr_root_name`), which :mod:`finmodel.workbook.irr_solver`
    lays out — the engine's method in cells, not Excel's ``IRR()`` (at most 20 Newton
    steps from a guess: it misses deeply loss-making roots and may land on another root of a row
    whose flows change sign more than once). The solver sheet evaluates NPV on the engine's grid of
    rates for the row's length (the fine grid: for flows that change sign once it brackets the same,
    only root as the engine's coarse grid), takes the sign change nearest a zero rate on each side of
    zero, bisects both brackets to machine precision and keeps the root with the smaller magnitude,
    "none" where there is no bracket."""
    if isinstance(cash_flow, RowRange):
        name = irr_root_name(cash_flow)
        return Sym(f"IF(ISNUMBER({name}),{name},NA())")
    from finmodel.model.irr import irr as _irr

    return _irr(_rows(cash_flow))[..., None]


def irr_root_name(cf: RowRange) -> str:
    """Defined name of the monthly IRR of a timeline row on the workbook's IRR solver sheet."""
    return "irr_" + re.sub(r"\W", "_", cf.sheet).lower() + f"_row{cf.row}"


def iferror(x, fallback: Text):
    """``x`` where it is a finite number, else ``fallback`` (NaN in numpy)."""
    if _is_sym(x):
        return Sym(f"IFERROR({_text(x)},{_text(fallback)})")
    x = np.asarray(x, dtype=float)
    return np.where(np.isfinite(x), x, np.nan)
