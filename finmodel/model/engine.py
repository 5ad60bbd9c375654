"""Line items and the two ways of computing them.

A model (heavy or light) is an ordered list of :class:`Item`. Each item is a small function of a
context ``m`` that gives it inputs (``m.x("heavy.occupancy")``), choices (``m.is_(path, option)``),
catalogue values (``m.lookup(table, rows, col)``, see :mod:`finmodel.model.tables`), the month index
``m.t`` and earlier items (``m.row(key)``). :func:`evaluate` runs the list with
numpy arrays — one scenario or a million, scenario axis first, months last. ``FormulaContext``
runs the same list to produce Excel formulas (used by ``finmodel.workbook``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from finmodel import schema
from finmodel.model import tables
from finmodel.model.expr import RowRange, Sym, Text, _Accumulate, accumulate_text, quote_sheet
from finmodel.model.sym import switch

Kind = Literal["row", "scalar"]
Fmt = Literal["cny", "frac", "months", "number", "flag", "p", "cny_per_p_year", "price", "rate"]
NanMeans = Literal["never", "none", "n/a"]


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
    nan_means: NanMeans = "n/a"  # what a NaN value says: "never" (payback not reached), "none" (no IRR), "n/a"
    lower_is_better: bool = False  # a smaller value is the better outcome (payback): deltas read inversely
    na_when: str = ""  # key of a flag item of the same model: where it is 1, NaN means "n/a" (not nan_means)
    used_when: str = ""  # key of a flag item: the line is 0 where the flag is 0 (numpy skips it when all are)
    unattainable_above: float | None = None  # a value above this reads "unattainable" (the number is kept)


def name_of(path: str) -> str:
    """Workbook defined name of an input path: ``heavy.occupancy`` → ``heavy_occupancy``."""
    return path.replace(".", "_")


# --------------------------------------------------------------------------- numpy backend
class NumpyContext:
    """Evaluation context over a batch of ``n`` scenarios and ``T`` months (t = 0..T-1).

    Inputs that are the same for the whole batch stay shape (1, 1), so lines that depend only on
    them are computed once (shape (1, T)) and broadcast at the end; only lines that depend on
    inputs that vary across the batch cost n × T."""

    def __init__(self, params: Mapping[str, Any], n_months: int) -> None:
        self.n = _batch_size(params)
        self.params = {k: _col(v) for k, v in params.items()}
        self.t = np.arange(n_months, dtype=float)
        self.values: dict[str, np.ndarray] = {}

    def x(self, path: str) -> np.ndarray:
        try:
            return self.params[path]
        except KeyError:
            spec = schema.field_spec(path)  # raises a helpful error for typos
            if spec.kind == "list":  # one param per item (``schema.to_params``): a row of them, (n or 1, K)
                return np.concatenate(np.broadcast_arrays(*(self.x(f"{path}.{k}") for k in
                                                            range(1, (spec.max_items or 0) + 1))), axis=-1)
            raise KeyError(f"input {path!r} missing from params") from None

    def is_(self, path: str, option: str) -> np.ndarray:
        return self.x(path) == schema.choice_code(path, option)

    def lookup(self, table: tables.Table, rows: Sequence[str], col: str | None = None) -> np.ndarray:
        """The table's value for the first set choice among ``rows`` and the choice ``col``."""
        code = self.x(rows[-1])
        for path in reversed(rows[:-1]):
            code = np.where(np.isnan(self.x(path)), code, self.x(path))
        return tables.values_at(table, code, None if col is None else self.x(col))

    def row(self, key: str) -> np.ndarray:
        return self.values[key]


def _batch_size(params: Mapping[str, Any]) -> int:
    sizes = {np.asarray(v).size for v in params.values() if np.asarray(v).size != 1}
    if len(sizes) > 1:
        raise ValueError(f"inputs have different batch sizes: {sorted(sizes)}")
    return sizes.pop() if sizes else 1


def _col(v: Any) -> np.ndarray:
    """An input as a column: (n, 1), or (1, 1) when it is one value for the whole batch."""
    a = np.asarray(v, dtype=float).reshape(-1, 1)
    return a[:1] if a.shape[0] > 1 and np.all(a == a[0]) and not np.isnan(a[0, 0]) else a


def evaluate(items: Sequence[Item], params: Mapping[str, Any], n_months: int,
             keys: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """Evaluate a model for a batch.

    Parameters
    ----------
    items : the model's line items, in dependency order.
    params : dotted input path → scalar or array of shape (n,) (see ``schema.to_params``).
    n_months : number of timeline columns, horizon + 1 (month 0 is the purchase date).
    keys : compute only these items and what they depend on (default: all).

    Returns
    -------
    dict
        item key → read-only array of shape (n, n_months) for rows, (n,) for scalars (a broadcast
        view for a line that is the same across the batch).
    """
    ctx = NumpyContext(params, n_months)
    wanted = None if keys is None else needed(items, keys)
    with np.errstate(all="ignore"):
        for it in items:
            if wanted is not None and it.key not in wanted:
                continue
            flag = ctx.values[it.used_when] if it.used_when else None
            if flag is not None and not np.any(flag):  # a switch nobody in the batch chose
                ctx.values[it.key] = np.zeros((1, 1 if it.kind == "scalar" else n_months))
                continue
            v = np.asarray(it.fn(ctx), dtype=float)
            if flag is not None and not np.all(flag):  # a switch some of the batch chose (all: v as it is)
                v = np.where(flag, v, 0.0)
            v = v.reshape(1, -1) if v.ndim < 2 else v
            if v.shape[0] > 1 and v.shape[1] == 1 and np.all(v == v[0]):
                v = v[:1]  # a scalar that came out the same for the whole batch (e.g. a zero loan): keep it (1, 1)
            ctx.values[it.key] = v
    out: dict[str, np.ndarray] = {}
    kinds = {i.key: i.kind for i in items}
    for k, v in ctx.values.items():
        if keys is not None and k not in keys:
            continue
        shape = (ctx.n, n_months) if kinds[k] == "row" else (ctx.n,)
        if kinds[k] == "scalar":
            v = v[..., 0] if v.shape[-1] == 1 else v[..., -1]
        out[k] = _read_only(v) if v.shape == shape else np.broadcast_to(v, shape)
    return out


def _read_only(v: np.ndarray) -> np.ndarray:
    """A read-only view of ``v`` (as ``np.broadcast_to`` gives for lines broadcast over the batch,
    without its cost per line)."""
    view = v.view()
    view.flags.writeable = False
    return view


def dependencies(items: Sequence[Item]) -> dict[str, frozenset[str]]:
    """Which earlier items each item reads, traced by rendering it symbolically."""
    key = tuple(i.key for i in items)
    if key not in _DEPS:
        layout = {i.key: Cell("S", row=n + 10) if i.kind == "row" else Cell("S", name=f"n{n}")
                  for n, i in enumerate(items)}
        deps: dict[str, frozenset[str]] = {}
        for it in items:
            tracer = _Tracer(layout, {"S": 1}, "A", "B", "C")
            tracer.formula(it)
            deps[it.key] = frozenset(tracer.seen | ({it.used_when} if it.used_when else set()))
        _DEPS[key] = deps
    return _DEPS[key]


def needed(items: Sequence[Item], keys: Sequence[str]) -> set[str]:
    """The items needed to compute ``keys`` (their dependency closure)."""
    deps = dependencies(items)
    unknown = [k for k in keys if k not in deps]
    if unknown:
        raise KeyError(f"unknown result(s) {unknown}; known: {sorted(deps)}")
    todo, seen = list(keys), set()
    while todo:
        k = todo.pop()
        if k not in seen:
            seen.add(k)
            todo.extend(deps[k])
    return seen


_DEPS: dict[tuple[str, ...], dict[str, frozenset[str]]] = {}


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
    and H (the same on every timeline sheet). ``catalogue_sheet``: the workbook has a Catalogue
    sheet defining each :data:`tables.TABLES` range (``name``, ``name_rows``, ``name_cols``), so
    lookups are ``INDEX``/``MATCH`` on it rather than ``IF`` chains over named constants."""

    def __init__(self, layout: Mapping[str, Cell], month_row: Mapping[str, int], first: str,
                 second: str, last: str, *, catalogue_sheet: bool = False) -> None:
        self.layout = layout
        self.month_row = month_row
        self.first, self.second, self.last = first, second, last
        self.catalogue_sheet = catalogue_sheet
        self.sheet = ""
        self.mode: Kind = "row"

    @property
    def t(self) -> Sym:
        return Sym(f"{{c}}${self.month_row[self.sheet]}")

    def x(self, path: str) -> Sym:
        schema.field_spec(path)
        return Sym(name_of(path))

    def is_(self, path: str, option: str) -> Sym:
        if option not in schema.field_spec(path).choices:
            raise ValueError(f"{option!r} is not a choice of {path}")
        return Sym(name_of(path)).eq(Text(option))

    def lookup(self, table: tables.Table, rows: Sequence[str], col: str | None = None) -> Sym:
        return tables.formula(table, [self.x(r) for r in rows], None if col is None else self.x(col),
                              sheet=self.catalogue_sheet)

    def row(self, key: str) -> Sym | RowRange:
        """An earlier item: its defined name, this column of its row (timeline items), or its whole
        row (results, which reduce rows)."""
        cell = self.layout[key]
        if cell.name is not None:
            return Sym(cell.name)
        if cell.row is None:  # pragma: no cover - a layout bug
            raise ValueError(f"item {key!r} has neither a row nor a name")
        prefix = "" if cell.sheet == self.sheet else f"{quote_sheet(cell.sheet)}!"
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
        if item.used_when:  # 0 where its switch is off, as numpy gives it
            flag = self.row(item.used_when)
            out = switch(flag, out, 0)
        return out


class _Tracer(FormulaContext):
    """A FormulaContext that records which items a formula reads."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)  # type: ignore[misc]
        self.seen: set[str] = set()

    def row(self, key: str) -> Sym | RowRange:
        self.seen.add(key)
        return super().row(key)

