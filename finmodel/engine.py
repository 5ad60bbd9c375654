"""Line items and the two ways of computing them.

A model (heavy or light) is an ordered list of :class:`Item`. Each item is a small function of a
context ``m`` that gives it inputs (``m.x("heavy.occupancy")``), choices (``m.is_(path, option)``),
the month index ``m.t`` and earlier items (``m.row(key)``). :func:`evaluate` runs the list with
numpy arrays — one scenario or a million, scenario axis first, months last. ``FormulaContext``
runs the same list to produce Excel formulas (used by ``finmodel.excel``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from finmodel import assumptions
from finmodel.expr import RowRange, Sym, _Accumulate, accumulate_text

Kind = Literal["row", "scalar"]
Fmt = Literal["cny", "frac", "months", "number", "flag", "p", "cny_per_p_year", "price", "rate"]


@dataclass(frozen=True)
class Item:
    """One line of a model: a timeline row or a single value per scenario."""

    key: str
    en: str
    zh: str
    unit: str
    fn: Callable[[Any], Any]
    kind: Kind = "row"
    fmt: Fmt = "cny"
    flow: bool = False  # a money flow whose horizon total is meaningful
    helper: bool = False  # a calculation aid (flags, crossings) rather than a reported line


def name_of(path: str) -> str:
    """Workbook defined name of an input path: ``heavy.occupancy`` → ``heavy_occupancy``."""
    return path.replace(".", "_")


# --------------------------------------------------------------------------- numpy backend
class NumpyContext:
    """Evaluation context over a batch of ``n`` scenarios and ``T`` months (t = 0..T-1)."""

    def __init__(self, params: Mapping[str, Any], n_months: int):
        self.n = _batch_size(params)
        self.params = {k: _col(v, self.n) for k, v in params.items()}
        self.t = np.arange(n_months, dtype=float)
        self.values: dict[str, np.ndarray] = {}

    def x(self, path: str) -> np.ndarray:
        try:
            return self.params[path]
        except KeyError:
            assumptions.field_spec(path)  # raises a helpful error for typos
            raise KeyError(f"input {path!r} missing from params") from None

    def is_(self, path: str, option: str) -> np.ndarray:
        return self.x(path) == assumptions.choice_code(path, option)

    def row(self, key: str) -> np.ndarray:
        return self.values[key]


def _batch_size(params: Mapping[str, Any]) -> int:
    sizes = {np.asarray(v).size for v in params.values() if np.asarray(v).size != 1}
    if len(sizes) > 1:
        raise ValueError(f"inputs have different batch sizes: {sorted(sizes)}")
    return sizes.pop() if sizes else 1


def _col(v: Any, n: int) -> np.ndarray:
    a = np.asarray(v, dtype=float).reshape(-1, 1)
    return np.broadcast_to(a, (n, 1)) if a.shape[0] == 1 else a


def evaluate(items: Sequence[Item], params: Mapping[str, Any], n_months: int) -> dict[str, np.ndarray]:
    """Evaluate a model for a batch.

    Parameters
    ----------
    items : the model's line items, in dependency order.
    params : dotted input path → scalar or array of shape (n,) (see ``assumptions.to_params``).
    n_months : number of timeline columns, horizon + 1 (month 0 is the purchase date).

    Returns
    -------
    dict
        item key → array of shape (n, n_months) for rows, (n,) for scalars.
    """
    ctx = NumpyContext(params, n_months)
    with np.errstate(all="ignore"):
        for it in items:
            v = np.asarray(it.fn(ctx), dtype=float)
            shape = (ctx.n, n_months) if it.kind == "row" else (ctx.n, 1)
            ctx.values[it.key] = np.broadcast_to(v, shape)
    return {k: (v if v.shape[-1] == n_months and _is_row(items, k) else v[:, 0]) for k, v in ctx.values.items()}


def _is_row(items: Sequence[Item], key: str) -> bool:
    return next(i.kind for i in items if i.key == key) == "row"


# --------------------------------------------------------------------------- formula backend
@dataclass(frozen=True)
class Cell:
    """Where an item lives in the workbook: a timeline row, or a named single cell."""

    sheet: str
    row: int | None = None  # timeline row number
    name: str | None = None  # defined name of a scalar


class FormulaContext:
    """Context that turns items into Excel formulas.

    ``layout`` maps every item key to its :class:`Cell`; ``month_row`` maps a sheet to the row
    holding month numbers; ``first``/``second``/``last`` are the column letters of months 0, 1
    and H (the same on every timeline sheet)."""

    def __init__(self, layout: Mapping[str, Cell], month_row: Mapping[str, int], first: str,
                 second: str, last: str):
        self.layout = layout
        self.month_row = month_row
        self.first, self.second, self.last = first, second, last
        self.sheet = ""
        self.mode: Kind = "row"

    @property
    def t(self) -> Sym:
        return Sym(f"{{c}}${self.month_row[self.sheet]}")

    def x(self, path: str) -> Sym:
        assumptions.field_spec(path)
        return Sym(name_of(path))

    def is_(self, path: str, option: str) -> Sym:
        if option not in assumptions.field_spec(path).choices:
            raise ValueError(f"{option!r} is not a choice of {path}")
        return Sym(f'({name_of(path)}="{option}")')

    def row(self, key: str) -> Any:
        cell = self.layout[key]
        if cell.name is not None:
            return Sym(cell.name)
        prefix = "" if cell.sheet == self.sheet else f"{_quote(cell.sheet)}!"
        if self.mode == "row":
            return Sym(f"{prefix}{{c}}{cell.row}")
        return RowRange(cell.sheet, cell.row, self.first, self.second, self.last)

    def formula(self, item: Item) -> Sym:
        """The formula of an item (timeline rows contain ``{c}``/``{p}`` column placeholders)."""
        cell = self.layout[item.key]
        self.sheet, self.mode = cell.sheet, item.kind
        out = item.fn(self)
        if isinstance(out, _Accumulate):
            out = accumulate_text(out, Sym(f"{{c}}{cell.row}"))
        if not isinstance(out, Sym):
            raise TypeError(f"item {item.key} did not produce a formula (got {out!r})")
        return out


def _quote(sheet: str) -> str:
    return sheet if sheet.isidentifier() else "'" + sheet.replace("'", "''") + "'"
