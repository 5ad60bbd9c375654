"""Evaluate scenarios: one, or a batch of any size, through the same vectorised code path.

A batch may give every row its own horizon (``general.horizon_months`` varying, e.g. the cohorts of
a portfolio bought in different months): the timeline then has ``n_months`` = the longest horizon +
1 columns, the items' ``within_horizon`` / ``horizon_end`` flags end each row at its own horizon,
and results that reduce a row (totals, payback, NPV, IRR) are computed on the row cut at its
horizon, so every row equals the same scenario evaluated alone, bit for bit (pinned by
``tests/test_portfolio_batch.py``). Cells after a row's horizon are outside its timeline: flows
there are 0; state rows (balances, book values, running totals) hold whatever the items compute
and are not part of the result.

>>> from finmodel import model, schema
>>> r = model.evaluate(schema.load("assumptions/seed_fs2024.toml"))
>>> round(r.heavy["payback_months"], 3)
16.158
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from finmodel import schema
from finmodel.model import engine, reports, results
from finmodel.model.registry import MODELS
from finmodel.schema import Scenario

if TYPE_CHECKING:  # pandas loads when a table is built: evaluating and printing the KPIs needs none
    import pandas as pd

HORIZON = "general.horizon_months"


@dataclass
class BatchResult:
    """Results for ``n`` scenarios: ``heavy[key]`` and ``light[key]`` are arrays of shape (n,)
    for scalar results and (n, horizon + 1) for monthly rows (when requested).

    ``horizon_months`` is the longest horizon of the batch (the timeline has that many months after
    month 0); ``row_horizons`` (n,) the horizon of each row."""

    n: int
    horizon_months: int
    heavy: dict[str, np.ndarray] = field(default_factory=dict)
    light: dict[str, np.ndarray] = field(default_factory=dict)
    row_horizons: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def frame(self, model: str = "heavy") -> pd.DataFrame:
        """Scalar results as a table, one row per scenario."""
        import pandas as pd

        res = getattr(self, model)
        return pd.DataFrame({k: v for k, v in res.items() if v.ndim == 1})


def evaluate_batch(params: Mapping[str, Any], horizon_months: int | npt.ArrayLike, *, rows: bool = False,
                   models: Sequence[str] = ("heavy", "light"), outputs: Sequence[str] | None = None,
                   copy: bool = True) -> BatchResult:
    """Evaluate a batch.

    Parameters
    ----------
    params : dotted input path → scalar or array (n,); every numeric input must be present
        (build it with :func:`batch_params`).
    horizon_months : months after the purchase date: one value for the whole batch, or one per row
        (n,) — then ``general.horizon_months`` in ``params`` is set to it and the timeline runs to
        the longest (see the module doc).
    rows : also return the monthly rows (memory: n × (H + 1) × 8 bytes per row).
    outputs : compute only these results, as ``"heavy.payback_months"``-style paths (and what they
        depend on); ``models`` is then ignored. Much faster for large sweeps.
    copy : return contiguous arrays (default); ``False`` keeps the engine's read-only views (a line
        that is the same for every row stays one row broadcast over the batch: no memory per row).
    """
    h = np.asarray(horizon_months)
    n = engine._batch_size(params)
    if h.ndim > 0 and h.shape != (n,):
        raise ValueError(f"one horizon per row: got {h.size} horizons for a batch of {n}")
    out = BatchResult(n=n, horizon_months=int(h.max()), row_horizons=np.broadcast_to(h, (n,)).astype(np.int64))
    wanted: dict[str, list[str] | None] = {m: None for m in models}
    if outputs is not None:
        chosen: dict[str, list[str]] = {}
        for path in outputs:
            name, key = results.split(path)
            if name not in MODELS or not key:
                raise KeyError(f"unknown result {path!r}: use heavy.<key> or light.<key>")
            chosen.setdefault(name, []).append(key)
        wanted = dict(chosen)
    for name, keys in wanted.items():
        vals = evaluate_items(MODELS[name], params, h, keys=keys)
        keep = {k: np.ascontiguousarray(v) if copy else v for k, v in vals.items() if rows or v.ndim == 1}
        setattr(out, name, keep)
    return out


def evaluate_items(items: Sequence[engine.Item], params: Mapping[str, Any], horizon_months: int | npt.ArrayLike,
                   keys: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """:func:`engine.evaluate` of an item list for a batch whose rows may have their own horizons.

    ``params[general.horizon_months]`` is set to ``horizon_months``. With one horizon this is
    ``engine.evaluate(items, params, horizon + 1, keys)``. With a horizon per row (n,), one pass over the longest
    timeline computes every row and every result that does not reduce a row; the results that do
    (:func:`row_reducing_results`) are computed once per distinct horizon on the rows cut there,
    so each row's results are those of its scenario alone, bit for bit. Returns read-only views."""
    h = np.asarray(horizon_months)
    if h.ndim == 0 or np.unique(h).size == 1:
        one = int(h.reshape(-1)[0])
        return engine.evaluate(items, {**params, HORIZON: np.asarray(float(one))}, one + 1, keys)
    n = engine._batch_size(params)
    if h.shape != (n,):
        raise ValueError(f"one horizon per row: got {h.shape[0]} horizons for a batch of {n}")
    params = {**params, HORIZON: h.astype(float)}
    wanted = [i.key for i in items] if keys is None else list(keys)
    late = row_reducing_results(items)
    out = dict(engine.evaluate(items, params, int(h.max()) + 1, [k for k in wanted if k not in late]))
    cut = [k for k in wanted if k in late]
    if cut:
        per_row = {k: np.empty(n) for k in cut}
        for horizon in np.unique(h):
            idx = np.flatnonzero(h == horizon)
            sub = {p: (np.asarray(v)[idx] if np.size(v) == n else v) for p, v in params.items()}
            for k, v in engine.evaluate(items, sub, int(horizon) + 1, cut).items():
                per_row[k][idx] = v
        for k, v in per_row.items():
            v.setflags(write=False)
            out[k] = v
    return out


def row_reducing_results(items: Sequence[engine.Item]) -> frozenset[str]:
    """Scalar items that reduce a monthly row (totals, payback, NPV, IRR …), directly or through
    another item: their value depends on where the timeline ends."""
    key = tuple(i.key for i in items)
    if key not in _REDUCING:
        deps, kinds = engine.dependencies(items), {i.key: i.kind for i in items}
        late: set[str] = set()
        for it in items:  # dependency order: an item's inputs are classified before it
            if it.kind == "scalar" and any(kinds[d] == "row" or d in late for d in deps[it.key]):
                late.add(it.key)
        _REDUCING[key] = frozenset(late)
    return _REDUCING[key]


_REDUCING: dict[tuple[str, ...], frozenset[str]] = {}


def batch_params(base: Scenario, overrides: Mapping[str, Any] | None = None
                 ) -> tuple[dict[str, np.ndarray], int | np.ndarray]:
    """Numeric inputs of ``base`` with some replaced by arrays, checked against the schema.

    Returns ``(params, horizon_months)``: one horizon (int), or one per row (an int array) when
    ``general.horizon_months`` varies — :func:`evaluate_batch` takes either. Raises
    :class:`schema.ScenarioError` naming the field, a bad value and the allowed range; choices may
    be given as option strings."""
    params = schema.to_params(base)
    horizon: int | np.ndarray = base.general.horizon_months
    problems: list[schema.Problem] = []
    for path, value in (overrides or {}).items():
        spec = schema.field_spec(path)
        if spec.kind == "str":
            raise schema.ScenarioError([schema.Problem(path, value, "text fields cannot be swept")])
        if spec.kind == "choice":
            vals = np.atleast_1d(np.asarray(value, dtype=object))
            bad = [v for v in vals if v not in spec.choices]
            if bad:
                why = f"not an allowed choice; allowed: {spec.range_text()}"
                problems.append(schema.Problem(path, bad[0], why))
                continue
            arr = np.array([spec.choices.index(v) for v in vals], dtype=float)
        else:
            try:
                arr = np.asarray(value, dtype=float)
            except (TypeError, ValueError):
                problems.append(schema.Problem(path, value, f"wrong type; allowed: {spec.range_text()}"))
                continue
            ok = spec.in_bounds(arr)
            if not np.all(ok):
                bad = arr.reshape(-1)[~ok.reshape(-1)][0]
                problems.append(schema.Problem(path, float(bad), f"out of range; allowed: {spec.range_text()}"))
                continue
        if path == HORIZON:
            horizon = int(arr.reshape(-1)[0]) if np.unique(arr).size == 1 else arr.astype(np.int64)
        params[path] = arr
    if problems:
        raise schema.ScenarioError(problems)
    return params, horizon


@dataclass(frozen=True)
class MonthlyRows:
    """A model's monthly rows as the engine gives them (key → array, one value per month): what a
    :class:`Result`'s monthly table is built from when it is first read."""

    rows: dict[str, np.ndarray]

    def frame(self) -> pd.DataFrame:
        """The tidy table: one row per month (index ``month``), one column per line item."""
        import pandas as pd

        monthly = pd.DataFrame(self.rows)
        monthly.index = pd.RangeIndex(len(monthly), name="month")
        return monthly


class _Monthly:
    """A :class:`Result` field holding a monthly table, given as a DataFrame or as
    :class:`MonthlyRows` and built on first read (so printing the KPIs never imports pandas)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.attr = f"_{name}"

    def __get__(self, obj: object, owner: type | None = None) -> pd.DataFrame:
        if obj is None:
            raise AttributeError(self.attr)  # no class-level value: the dataclass field has no default
        value = obj.__dict__[self.attr]
        if isinstance(value, MonthlyRows):
            value = obj.__dict__[self.attr] = value.frame()
        return value

    def __set__(self, obj: object, value: pd.DataFrame | MonthlyRows) -> None:
        obj.__dict__[self.attr] = value


@dataclass
class Result:
    """Results of one scenario: KPIs as plain floats (NaN = never / none / n.a.) and tidy
    monthly tables (one row per month, one column per line item; built when first read)."""

    scenario: Scenario
    heavy: dict[str, float]
    light: dict[str, float]
    heavy_monthly: _Monthly = _Monthly()
    light_monthly: _Monthly = _Monthly()

    @property
    def income_statement(self) -> pd.DataFrame:
        """The heavy asset's income statement, monthly (:func:`finmodel.model.reports.statement`;
        the light asset's: ``reports.statement(r.light_monthly, "light", "income")``)."""
        return reports.statement(self.heavy_monthly, "heavy", "income")

    @property
    def cash_flow_statement(self) -> pd.DataFrame:
        """The heavy asset's cash-flow statement, monthly (:mod:`finmodel.model.reports`)."""
        return reports.statement(self.heavy_monthly, "heavy", "cash_flow")

    @property
    def balance_sheet(self) -> pd.DataFrame:
        """The heavy asset's balance sheet, monthly, with its balance check (:mod:`finmodel.model.reports`)."""
        return reports.statement(self.heavy_monthly, "heavy", "balance")

    def kpis(self) -> dict[str, float | None]:
        """Flat ``model.key`` → value with NaN as None (JSON-ready)."""
        out: dict[str, float | None] = {}
        for model in ("heavy", "light"):
            for k, v in getattr(self, model).items():
                out[f"{model}.{k}"] = None if not np.isfinite(v) else float(v)
        return out


def evaluate(s: Scenario) -> Result:
    """Evaluate one scenario (a batch of one through :func:`evaluate_batch`)."""
    params = schema.to_params(s)
    b = evaluate_batch(params, s.general.horizon_months, rows=True)
    out = {}
    for name in ("heavy", "light"):
        res = getattr(b, name)
        scalars = {k: float(v[0]) for k, v in res.items() if v.ndim == 1}
        out[name] = (scalars, MonthlyRows({k: v[0] for k, v in res.items() if v.ndim == 2}))
    return Result(s, out["heavy"][0], out["light"][0], out["heavy"][1], out["light"][1])
