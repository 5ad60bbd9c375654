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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias, cast

import numpy as np
import numpy.typing as npt

from finmodel.model import tables
from finmodel.model.const import Const
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
    safe_quotient,
    switch,
    to_sym,
)

__all__ = [
    "Num",
    "Sym",
    "Const",
    "CONSTANTS",
    "UNIT_CONSTANTS",
    "MONTHS_PER_YEAR",
    "TFLOPS_PER_PFLOPS",
    "DOUBLE_DECLINING_FACTOR",
    "DOUBLE_DECLINING_FINAL_YEARS",
    "DAYS_PER_MONTH",
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
    "row_min",
    "row_count",
    "sumproduct",
    "npv",
    "irr",
    "irr_root_name",
    "iferror",
    "where",
    "select",
    "maximum",
    "minimum",
    "floor",
    "land",
    "eq",
    "is_blank",
    "prev",
    "cumsum",
    "cummax",
    "cummin",
    "recurrence",
    "lag",
    "trailing_sum",
    "safe_div",
]

#: What every primitive takes and returns: a float (or a :class:`Const`), a numpy array (numpy
#: backend: scenario axes first, months last) or a :class:`Sym` (formula backend).
Num: TypeAlias = "float | np.ndarray | Sym"


MONTHS_PER_YEAR = Const("months_per_year", 12.0, "months/year", "Months per year", "每年月数")
TFLOPS_PER_PFLOPS = Const("tflops_per_pflops", 1000.0, "TFLOPS/P", "TFLOPS per P (PFLOPS)", "每P的TFLOPS数")
DOUBLE_DECLINING_FACTOR = Const("double_declining_factor", 2.0, "×",
                                "Double declining: rate × life (2 ÷ life a year)", "双倍余额递减倍数")
DOUBLE_DECLINING_FINAL_YEARS = Const("double_declining_final_years", 2.0, "years",
                                     "Double declining: final years written off straight line",
                                     "双倍余额递减：最后按直线法摊销的年数")
DAYS_PER_MONTH = Const("days_per_month", 30.0, "days/month", "Days per month (receivable and payable days)",
                       "每月天数（应收应付天数折算）")
#: Unit conversions and the fixed numbers of definitions (CAS double declining), by name.
UNIT_CONSTANTS = (MONTHS_PER_YEAR, TFLOPS_PER_PFLOPS, DOUBLE_DECLINING_FACTOR, DOUBLE_DECLINING_FINAL_YEARS,
                  DAYS_PER_MONTH)
#: Every named constant a formula may use: the above, then the catalogue's cells (:mod:`tables`).
CONSTANTS = UNIT_CONSTANTS + tables.CONSTANTS


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


def select(flag: Num, on: Callable[[], Num], off: Callable[[], Num]) -> Num:
    """``on()`` where the switch ``flag`` is 1 else ``off()`` (Excel ``IF``), each branch computed
    only if some scenario of the batch takes it: a switch nobody chose costs nothing in numpy."""
    if is_sym(flag):
        return switch(flag, on(), off())
    f = np.asarray(_num(flag), dtype=float)
    if not np.any(f):
        return off()
    if np.all(f):
        return on()
    return np.where(f, _num(on()), _num(off()))


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


def eq(a: Num, b: Num) -> Num:
    """Element-wise equality (Excel ``=``): ``eq(t, horizon)`` is the horizon-end month."""
    if is_sym(a, b):
        return binary("=", a, b)
    return np.equal(_num(a), _num(b))


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
    """Marker returned by cumsum/cummax/cummin in the symbolic backend: the row refers to itself."""

    kind: str  # "sum", "max", "min" or "step"
    arg: Sym
    first: Sym | None = None  # cummin: the test true in the first month (no earlier value)
    step: Callable[..., Any] | None = None  # recurrence: the step of :func:`recurrence`
    args: tuple[Sym, ...] = ()  # recurrence: the rows the step reads in this month


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


def cummin(x: Num, first: Num) -> Num | _Accumulate:
    """Running minimum along months (no floor); ``first`` is true in month 0, where it is ``x``.
    In Excel: ``IF(first, x, MIN(previous cell, x))``."""
    if isinstance(x, Sym):
        return _Accumulate("min", x, to_sym(first))
    return np.minimum.accumulate(np.asarray(x, dtype=float), axis=-1)


def recurrence(step: Callable[..., Any], *rows: Num) -> Num | _Accumulate:
    """A row defined by its previous month: ``x[t] = step(x[t-1], rows[0][t], rows[1][t], ...)`` with
    ``x[-1] = 0`` (as :func:`prev` gives at ``t = 0``). ``step`` is written with this module's
    primitives, so it renders as this row's formula over the previous cell of the row itself; numpy
    loops over the months, each step vectorised over the batch. Shape (..., T)."""
    if any(isinstance(r, Sym) for r in rows):
        return _Accumulate("step", to_sym(0), step=step, args=tuple(to_sym(r) for r in rows))
    cols = np.broadcast_arrays(*(np.asarray(_num(r), dtype=float) for r in rows))
    shape: tuple[int, ...] = tuple(cols[0].shape)
    # each month's values of the batch laid out side by side, so that a step reads whole cache lines
    # instead of one value of every scenario's row (a month of an (n, T) array is strided by T)
    by_month = [_months_first(c.reshape(-1, shape[-1])) for c in cols]
    out = np.empty((shape[-1], by_month[0].shape[1]))
    before = np.zeros(out.shape[1])
    for t in range(shape[-1]):
        before = out[t] = step(before, *(c[t] for c in by_month))
    res = np.empty((out.shape[1], shape[-1]))
    np.copyto(res, out.T)
    return res.reshape(shape)


def _months_first(c: np.ndarray) -> np.ndarray:
    """An (n, T) row as (T, n): a copy, or a view where every scenario has the same row (a stride-0
    batch axis, nothing to gather)."""
    if c.strides[0] == 0:
        return c.T
    buf = np.empty(c.shape[::-1])
    np.copyto(buf, c.T)
    return buf


def lag(x: Num, k: Num, t: Num) -> Num:
    """Value of a timeline row ``k`` months earlier (``k`` a whole number ≥ 0, an input or a scalar
    item, the same or per scenario); 0 where ``t < k``. ``t`` is the month row (``m.t``). In Excel:
    ``IF(t<k,0,INDEX($A$r:$ZZ$r,COLUMN()-k))`` on the row ``r`` of ``x`` (every timeline sheet has
    its months in the same columns, all before ZZ: 360 months at most). Shape (..., T)."""
    if is_sym(x, k, t):
        ref = to_sym(x)
        sheet, _, cell = ref.text.rpartition("!")
        if ref.op or not cell.startswith("{c}") or not cell[3:].isdigit():
            raise ValueError("lag() needs a timeline row")
        row = Sym((sheet + "!" if sheet else "") + f"$A${cell[3:]}:$ZZ${cell[3:]}")
        return switch(binary("<", t, k), 0, call("INDEX", row, binary("-", Sym("COLUMN()"), k)))
    xs = np.asarray(_num(x), dtype=float)
    ks = np.asarray(_num(k), dtype=float)
    ts = np.asarray(_num(t), dtype=float)
    shape = np.broadcast_shapes(xs.shape, ks.shape, ts.shape)
    if ks.size == 1 and ts.ndim == 1 and np.array_equal(ts, np.arange(ts.size)):  # one lag for the batch: a shift
        k0 = int(np.rint(ks.reshape(-1)[0]))
        out = np.zeros(shape)
        if k0 < shape[-1]:
            out[..., k0:] = np.broadcast_to(xs, shape)[..., :shape[-1] - k0]
        return out
    back = np.broadcast_to(np.rint(ts - ks), shape).astype(int)
    took = np.take_along_axis(np.broadcast_to(xs, shape), np.maximum(back, 0), axis=-1)
    return np.where(back < 0, 0.0, took)


def trailing_sum(x: Num, window: Const, first_col: str = "") -> Num:
    """Sum of a timeline row over the ``window`` months ending with this one (from month 0 while
    fewer have passed): the trailing-12-month totals of a DSCR test. In the formula backend ``x`` is
    a reference to a row (``m.row(key)``) and ``first_col`` the column of month 0 (``m.first``); Excel
    sums the row from month 0 to here, each month × (its column > this column − window):
    ``SUMPRODUCT((COLUMN(span)>COLUMN()-window)*span)`` — no volatile OFFSET, no range built by
    INDEX; the months outside the window add exact zeros, so the sum is the window's, oldest first.
    [unit of the row × months]"""
    if isinstance(x, Sym):
        if "{c}" not in x.text or not first_col:
            raise ValueError("trailing_sum() needs a timeline row and the column of month 0")
        span = Sym(x.text.replace("{c}", "$" + first_col, 1) + ":" + x.text.split("!")[-1])
        inside = binary(">", call("COLUMN", span), Sym("COLUMN()") - window)
        return call("SUMPRODUCT", inside * span)
    a = np.asarray(x, dtype=float)
    out = np.zeros_like(a)
    for k in range(min(int(window), a.shape[-1]) - 1, -1, -1):  # oldest month first, as SUM adds a range
        out[..., k:] += a[..., : a.shape[-1] - k]
    return out


def accumulate_text(acc: _Accumulate, self_ref: Sym) -> Sym:
    """Excel formula of a cumsum/cummax/cummin row given a reference to the row itself."""
    before = prev(self_ref)
    if acc.step is not None:
        return to_sym(acc.step(before, *acc.args))
    if acc.kind == "sum":
        return binary("+", before, acc.arg)
    if acc.kind == "min":
        return switch(acc.first, acc.arg, call("MIN", before, acc.arg))
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
    """Total of a row over the horizon, shape (..., 1); NaN if a month is NaN (a total built on a
    non-finite line is never finite). [unit of the row]"""
    if isinstance(x, RowRange):
        return Sym(f"SUM({x.all})")
    return np.sum(_rows(x), axis=-1, keepdims=True)


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


def row_min(x: Row) -> Num:
    """Smallest value of a numeric row (NaN if a month is NaN; Excel ``MIN``)."""
    if isinstance(x, RowRange):
        return Sym(f"MIN({x.all})")
    return np.min(_rows(x), axis=-1, keepdims=True)


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
