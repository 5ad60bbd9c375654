"""Evaluate scenarios: one, or a batch of any size, through the same vectorised code path.

>>> from finmodel import model, schema
>>> r = model.evaluate(schema.load("assumptions/seed_fs2024.toml"))
>>> round(r.heavy["payback_months"], 3)
16.158
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from finmodel import schema
from finmodel.model import engine, results
from finmodel.model.registry import MODELS
from finmodel.schema import Scenario


@dataclass
class BatchResult:
    """Results for ``n`` scenarios: ``heavy[key]`` and ``light[key]`` are arrays of shape (n,)
    for scalar results and (n, horizon + 1) for monthly rows (when requested)."""

    n: int
    horizon_months: int
    heavy: dict[str, np.ndarray] = field(default_factory=dict)
    light: dict[str, np.ndarray] = field(default_factory=dict)

    def frame(self, model: str = "heavy") -> pd.DataFrame:
        """Scalar results as a table, one row per scenario."""
        res = getattr(self, model)
        return pd.DataFrame({k: v for k, v in res.items() if v.ndim == 1})


def evaluate_batch(params: Mapping[str, Any], horizon_months: int, *, rows: bool = False,
                   models: Sequence[str] = ("heavy", "light"),
                   outputs: Sequence[str] | None = None) -> BatchResult:
    """Evaluate a batch.

    Parameters
    ----------
    params : dotted input path → scalar or array (n,); every numeric input must be present
        (build it with :func:`batch_params`).
    horizon_months : months after the purchase date (one value for the whole batch).
    rows : also return the monthly rows (memory: n × (H + 1) × 8 bytes per row).
    outputs : compute only these results, as ``"heavy.payback_months"``-style paths (and what they
        depend on); ``models`` is then ignored. Much faster for large sweeps.
    """
    out = BatchResult(n=engine._batch_size(params), horizon_months=int(horizon_months))
    wanted: dict[str, list[str] | None] = {m: None for m in models}
    if outputs is not None:
        wanted = {}
        for path in outputs:
            name, key = results.split(path)
            if name not in MODELS or not key:
                raise KeyError(f"unknown result {path!r}: use heavy.<key> or light.<key>")
            wanted.setdefault(name, []).append(key)
    for name, keys in wanted.items():
        vals = engine.evaluate(MODELS[name], params, int(horizon_months) + 1, keys=keys)
        keep = {k: np.ascontiguousarray(v) for k, v in vals.items() if rows or v.ndim == 1}
        setattr(out, name, keep)
    return out


def batch_params(base: Scenario, overrides: Mapping[str, Any] | None = None) -> tuple[dict[str, np.ndarray], int]:
    """Numeric inputs of ``base`` with some replaced by arrays, checked against the schema.

    Returns ``(params, horizon_months)``. Raises :class:`schema.ScenarioError` naming the field,
    a bad value and the allowed range; choices may be given as option strings."""
    params = schema.to_params(base)
    horizon = base.general.horizon_months
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
        if path == "general.horizon_months":
            if np.unique(arr).size != 1:
                problems.append(schema.Problem(path, value, "one horizon per batch (the time axis); run "
                                                    "each horizon separately"))
                continue
            horizon = int(np.unique(arr)[0])
        params[path] = arr
    if problems:
        raise schema.ScenarioError(problems)
    return params, horizon


@dataclass
class Result:
    """Results of one scenario: KPIs as plain floats (NaN = never / none / n.a.) and tidy
    monthly tables (one row per month, one column per line item)."""

    scenario: Scenario
    heavy: dict[str, float]
    light: dict[str, float]
    heavy_monthly: pd.DataFrame
    light_monthly: pd.DataFrame

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
        monthly = pd.DataFrame({k: v[0] for k, v in res.items() if v.ndim == 2})
        monthly.index = pd.RangeIndex(len(monthly), name="month")
        out[name] = (scalars, monthly)
    return Result(s, out["heavy"][0], out["light"][0], out["heavy"][1], out["light"][1])
