"""One-way sensitivity (tornado), two-way grids and break-even / goal seek.

Each analysis builds one batch of scenarios and evaluates it through the engine's vectorised path
(``finmodel.analysis.sweep.evaluate`` → ``model.batch_params`` + ``model.evaluate_batch``); the solver
evaluates one batch per refinement step for all its targets at once.

Conventions
-----------
* Inputs by dotted path (``heavy.price_cny_per_card_hour``); results by ``model.key``
  (``heavy.payback_months``; a bare ``payback_months`` means the heavy-asset one).
* Payback NaN means "never within the horizon" and is ordered as longer than any number of months;
  other NaN results (IRR "none", "n/a") are missing values.
* Relative moves (tornado ``low=-0.2``) multiply the base value (``base × (1 + low)``), are rounded
  for integer inputs and clipped to the input's allowed range.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from finmodel import schema
from finmodel.analysis import sweep
from finmodel.schema import Scenario

__all__ = [
    "TORNADO_METRICS",
    "tornado",
    "tornado_fields",
    "grid",
    "SolveResult",
    "NoSolution",
    "solve",
    "solve_many",
]

TORNADO_METRICS = ("heavy.payback_months", "heavy.npv_cny", "heavy.irr", "heavy.gross_margin")
_FIXED = {sweep.HORIZON}  # the time axis: not a tornado input (one horizon per batch)
#: Structural inputs left out of the default tornado: the fleet's scale and configuration, the
#: calendar and hardware specs are decisions or facts, not uncertain drivers (±20 % of 8 cards per
#: server is not a scenario). They can still be named explicitly.
_STRUCTURAL = {"heavy.servers", "heavy.cards_per_server", "general.hours_per_year", "light.tflops_per_card",
               "light.p_per_server_override"}


# --------------------------------------------------------------------------- helpers
def _bounds(fs: schema.FieldSpec) -> tuple[float, float]:
    return fs.closed_bounds()


def _numeric_spec(path: str) -> schema.FieldSpec:
    fs = schema.field_spec(path)
    if not fs.numeric:
        raise ValueError(f"{path} takes {fs.range_text()}: not a number; compare its options with "
                         f"finmodel sweep --grid {path}=...")
    return fs


def _ordered(values: np.ndarray, metric: str) -> np.ndarray:
    """Results with payback "never" (NaN) as +inf, so that it orders after every number of months."""
    if sweep.metric_info(metric).nan_means == "never":
        return np.where(np.isnan(values), np.inf, values)
    return values


def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if math.isinf(x):
        return "never" if x > 0 else "-inf"
    return f"{x:,.6g}"


def _show_metric(x: float, metric: str) -> str:
    info = sweep.metric_info(metric)
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return info.nan_means if (math.isnan(x) or info.nan_means == "never") else _fmt(x)
    units = {"months": " months", "CNY": " CNY", "fraction": "", "fraction/year": "/year"}
    unit = units.get(info.unit, f" {info.unit}")
    return f"{x:,.6g}{unit}"


# --------------------------------------------------------------------------- tornado
def tornado_fields(scenario: Scenario) -> list[str]:
    """Candidate inputs for a default tornado: every numeric input that is set (optional inputs
    left empty are skipped), except the horizon and the structural inputs in ``_STRUCTURAL`` (fleet
    size, cards per server, hours per year, TFLOPS per card). :func:`tornado` then drops those with
    no effect (e.g. electricity under the 60:40 ratio cost method)."""
    out = []
    for path, fs in schema.FIELDS.items():
        if not fs.numeric or path in _FIXED or path in _STRUCTURAL:
            continue
        if scenario.get(path) is None:
            continue
        out.append(path)
    return out


def _move(fs: schema.FieldSpec, base: float, rel: float) -> float:
    v = base * (1.0 + rel)
    if fs.kind == "int":
        v = float(round(v))
    lo, hi = _bounds(fs)
    return float(min(max(v, lo), hi))


def tornado(scenario: Scenario, fields: Sequence[str] | Mapping[str, tuple[float, float] | None] | None = None, *,
            low: float = -0.2, high: float = 0.2, metrics: Sequence[str] = TORNADO_METRICS) -> pd.DataFrame:
    """One-way sensitivity: each input moved to a low and a high value, one at a time.

    Parameters
    ----------
    scenario : base scenario.
    fields : input paths (relative moves), or ``{path: (low_value, high_value)}`` for explicit
        values (``None`` for a relative move). Default: :func:`tornado_fields`, keeping only the
        inputs that change at least one result.
    low, high : relative moves, e.g. −0.2 and +0.2 for ±20 % (clipped to the allowed range).
    metrics : result paths.

    Returns
    -------
    DataFrame
        One row per (field, metric): ``field, label_en, label_zh, unit, base_input, low_input,
        high_input, metric, base_result, low_result, high_result, swing``; ``swing`` is the range
        of the result over {low, base, high} (``inf`` when payback becomes "never" or a result
        becomes undefined on one side). Sorted by metric (in the given order), then swing
        descending.
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError("low and high must be finite relative moves, e.g. -0.2 and 0.2")
    mets = sweep.metric_paths(metrics)
    explicit: dict[str, tuple[float, float] | None]
    auto = fields is None
    if fields is None:
        explicit = dict.fromkeys(tornado_fields(scenario))
    elif isinstance(fields, Mapping):
        explicit = dict(fields)
    else:
        explicit = dict.fromkeys(fields)
    if not explicit:
        raise ValueError("no inputs to vary")
    specs = {}
    moves: dict[str, tuple[float, float, float]] = {}
    for path, vals in explicit.items():
        fs = _numeric_spec(path)
        if path in _FIXED:
            raise ValueError(f"{path} is the time axis and cannot be a tornado input; run one tornado per horizon")
        base = scenario.get(path)
        if base is None:
            if vals is None:
                raise ValueError(f"{path} is not set in this scenario: give explicit low and high values")
            base = math.nan
        base = float(base)
        if vals is None:
            lo_v, hi_v = _move(fs, base, low), _move(fs, base, high)
        else:
            try:
                lo_v, hi_v = (float(v) for v in vals)
            except (TypeError, ValueError):
                raise ValueError(f"{path}: explicit values must be a pair (low, high) of numbers, "
                                 f"got {vals!r}") from None
        specs[path] = fs
        moves[path] = (base, lo_v, hi_v)
    paths = list(moves)
    k = len(paths)
    n = 1 + 2 * k
    overrides: dict[str, np.ndarray] = {}
    for i, p in enumerate(paths):
        base, lo_v, hi_v = moves[p]
        col = np.full(n, base)
        col[1 + 2 * i], col[2 + 2 * i] = lo_v, hi_v
        if math.isnan(base):  # unset optional: keep empty in the other rows
            col[[j for j in range(n) if j not in (1 + 2 * i, 2 + 2 * i)]] = np.nan
        overrides[p] = col
    res = sweep.evaluate(scenario, overrides, mets)
    rows = []
    for metric in mets:
        v = res[metric]
        for i, p in enumerate(paths):
            fs = specs[p]
            base_in, lo_in, hi_in = moves[p]
            b, lo_r, hi_r = float(v[0]), float(v[1 + 2 * i]), float(v[2 + 2 * i])
            rows.append({"field": p, "label_en": fs.label_en, "label_zh": fs.label_zh, "unit": fs.unit,
                         "base_input": base_in, "low_input": lo_in, "high_input": hi_in, "metric": metric,
                         "base_result": b, "low_result": lo_r, "high_result": hi_r,
                         "swing": _swing(b, lo_r, hi_r)})
    df = pd.DataFrame(rows, columns=["field", "label_en", "label_zh", "unit", "base_input", "low_input", "high_input",
                                     "metric", "base_result", "low_result", "high_result", "swing"])
    if auto:  # keep the inputs that move at least one result
        effect = df.groupby("field", sort=False)["swing"].max()
        keep = effect[effect > 0].index
        df = df[df["field"].isin(keep)]
    order = {m: i for i, m in enumerate(mets)}
    df = df.assign(_m=df["metric"].map(order)).sort_values(["_m", "swing"], ascending=[True, False], kind="stable")
    return df.drop(columns="_m").reset_index(drop=True)


def _swing(base: float, lo: float, hi: float) -> float:
    vals = np.array([base, lo, hi])
    nan = np.isnan(vals)
    if nan.all():
        return 0.0
    if nan.any():
        return math.inf  # e.g. payback becomes "never", or IRR becomes undefined
    return float(vals.max() - vals.min())


# --------------------------------------------------------------------------- two-way grid
def grid(scenario: Scenario, x: str, x_values: Iterable[Any], y: str, y_values: Iterable[Any],
         metric: str | Sequence[str] = "heavy.payback_months") -> pd.DataFrame:
    """Two-way table: every (x, y) pair, one batch.

    Returns
    -------
    DataFrame
        Tidy columns ``[x, y, metric]`` (the dotted paths as names; several metrics give several
        columns); x varies slowest.
    """
    if x == y:
        raise ValueError(f"x and y are the same input ({x}); choose two different inputs")
    return sweep.run(scenario, {x: list(x_values), y: list(y_values)}, [metric] if isinstance(metric, str) else metric)


# --------------------------------------------------------------------------- goal seek
class NoSolution(ValueError):
    """No value of the input within its range gives the target result."""


@dataclass(frozen=True)
class SolveResult:
    """Answer of a goal seek: ``value`` of the input ``vary`` gives ``achieved`` for ``target``."""

    vary: str
    target: str
    target_value: float
    value: float
    achieved: float
    converged: bool
    message: str
    base_input: float = math.nan
    base_result: float = math.nan
    lo: float = math.nan
    hi: float = math.nan


_SCAN = 65
_SPLIT = 32
_MAX_STEPS = 40


def _scan_points(fs: schema.FieldSpec, base: float, lo: float, hi: float) -> np.ndarray:
    """Where to look first: an even grid over [lo, hi] plus log-spaced points around the base value."""
    pts = [np.linspace(lo, hi, _SCAN), [lo, hi]]
    if math.isfinite(base) and lo <= base <= hi:
        pts.append([base])
        if base != 0:
            pts.append(base * np.geomspace(0.01, 100, _SCAN))
            pts.append(base * (1 + np.linspace(-0.5, 0.5, 21)))
    x = np.concatenate([np.asarray(p, dtype=float) for p in pts])
    x = x[(x >= lo) & (x <= hi)]
    if fs.kind == "int":
        if hi - lo <= 4096:
            x = np.arange(lo, hi + 1)
        x = np.round(x)
    return np.unique(x)


def _range(fs: schema.FieldSpec, path: str, lo: float | None, hi: float | None) -> tuple[float, float]:
    s_lo, s_hi = _bounds(fs)
    a = s_lo if lo is None else float(lo)
    b = s_hi if hi is None else float(hi)
    for name, v in (("lo", a), ("hi", b)):
        if not math.isfinite(v):
            raise ValueError(f"{path}: {name} must be a finite number (allowed: {fs.range_text()})")
        if v < s_lo or v > s_hi:
            raise ValueError(f"{path}: {name} = {v:g} is outside the allowed range ({fs.range_text()})")
    if a > b:
        raise ValueError(f"{path}: lo = {a:g} is above hi = {b:g}")
    if fs.kind == "int":
        a, b = float(math.ceil(a)), float(math.floor(b))
    return a, b


def _crossings(x: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows of differences ``d`` (m, K) at points ``x`` (m, K): a boolean (m, K) marking points
    ``j`` where d changes sign (or hits 0) from the previous non-NaN point, and that point's index."""
    m, K = d.shape
    valid = ~np.isnan(d)
    idx = np.where(valid, np.arange(K), -1)
    prev = np.empty_like(idx)
    prev[:, 0] = -1
    prev[:, 1:] = np.maximum.accumulate(idx, axis=1)[:, :-1]
    has_prev = prev >= 0
    d_prev = np.take_along_axis(d, np.maximum(prev, 0), axis=1)
    s, sp = np.sign(d), np.sign(d_prev)
    cross = valid & has_prev & ((s * sp < 0) | (s == 0) | (sp == 0))
    return cross, prev


def solve_many(scenario: Scenario, vary: str, target: str, values: Iterable[float], *, lo: float | None = None,
               hi: float | None = None, rtol: float = 1e-9) -> list[SolveResult]:
    """Goal seek for many target values at once (vectorised: one batch per refinement step).

    Parameters
    ----------
    vary : the input to solve for (a numeric dotted path).
    target : the result (``heavy.payback_months``; ``payback_months`` for short).
    values : target values of the result (months, CNY, fractions — the result's own unit).
    lo, hi : search range of the input (default: its allowed range).
    rtol : tolerance on the result, relative to the larger of |target| and the result's typical size.

    Returns
    -------
    list of SolveResult
        One per target value, in order; unreachable targets have ``value`` NaN,
        ``converged=False`` and a message saying what range of the result is reachable.

    Method: the result is evaluated on a scan of the range (even grid plus log-spaced points around
    the current value); among the brackets where it crosses the target the one nearest the current
    value is kept; each step then splits every bracket into 32 and keeps the first sub-bracket that
    still crosses (robust for step-wise and partly "never" results such as payback), and a last
    secant step lands on the target where the result is smooth.
    """
    fs = _numeric_spec(vary)
    if vary in _FIXED:
        raise ValueError(f"{vary} is the time axis and cannot be solved for; try each horizon with finmodel evaluate")
    metric = sweep.metric_path(target)
    t = np.atleast_1d(np.asarray(list(values) if not np.isscalar(values) else [values], dtype=float))
    if not np.all(np.isfinite(t)):
        raise ValueError(f"target values for {metric} must be finite numbers")
    a, b = _range(fs, vary, lo, hi)
    base_in = scenario.get(vary)
    base_in = math.nan if base_in is None else float(base_in)
    xs = _scan_points(fs, base_in, a, b)
    ev = lambda pts: _ordered(sweep.evaluate(scenario, {vary: pts}, [metric])[metric], metric)  # noqa: E731
    fx = ev(xs)
    base_res = float(sweep.evaluate(scenario, {}, [metric])[metric][0])
    finite = fx[np.isfinite(fx)]
    scale = max(float(np.median(np.abs(finite))) if finite.size else 1.0, 1e-12)
    m = t.size
    ftol = rtol * np.maximum(np.abs(t), scale)
    d = fx[None, :] - t[:, None]  # (m, K)
    cross, prev = _crossings(np.broadcast_to(xs, d.shape), d)
    n_cross = cross.sum(axis=1)
    # the crossing nearest the base value (or the first when the base is unset)
    right = np.broadcast_to(xs, d.shape)
    left = xs[np.maximum(prev, 0)]
    ref = base_in if math.isfinite(base_in) else a
    dist = np.where(cross, np.maximum(0, np.maximum(left - ref, ref - right)), np.inf)
    j = np.argmin(dist, axis=1)
    found = n_cross > 0
    rows = np.arange(m)
    xa, xb = left[rows, j], right[rows, j]
    da = d[rows, np.maximum(prev[rows, j], 0)]
    db = d[rows, j]
    # exact hits: a grid point equals the target within tolerance
    hit_b = found & (np.abs(db) <= ftol)
    hit_a = found & ~hit_b & (np.abs(da) <= ftol)
    xa = np.where(hit_b, xb, xa)
    da = np.where(hit_b, db, da)
    xb = np.where(hit_a, xa, xb)
    db = np.where(hit_a, da, db)
    active = found & ~(hit_a | hit_b)
    integer = fs.kind == "int"
    for _ in range(_MAX_STEPS):
        width_ok = (xb - xa) <= (1.0 if integer else 1e-13 * np.maximum(1.0, np.abs(xa)))
        small = np.minimum(np.abs(da), np.abs(db)) <= ftol
        active &= ~width_ok & ~small
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        frac = np.linspace(0, 1, _SPLIT + 1)[1:-1]
        pts = xa[idx, None] + (xb[idx] - xa[idx])[:, None] * frac[None, :]
        if integer:
            pts = np.round(pts)
        fp = ev(pts.reshape(-1)).reshape(pts.shape)
        seq_x = np.concatenate([xa[idx, None], pts, xb[idx, None]], axis=1)
        seq_d = np.concatenate([da[idx, None], fp - t[idx, None], db[idx, None]], axis=1)
        c, pv = _crossings(seq_x, seq_d)
        jj = np.argmax(c, axis=1)  # first crossing: any will do inside one bracket
        r = np.arange(idx.size)
        pj = np.maximum(pv[r, jj], 0)
        xa[idx], xb[idx] = seq_x[r, pj], seq_x[r, jj]
        da[idx], db[idx] = seq_d[r, pj], seq_d[r, jj]
    # final point: the better end, or a secant step between finite ends
    with np.errstate(divide="ignore", invalid="ignore"):
        sec = xa - da * (xb - xa) / (db - da)
    use_sec = found & ~integer & np.isfinite(sec) & (sec > xa) & (sec < xb) & np.isfinite(da) & np.isfinite(db) \
        & (np.minimum(np.abs(da), np.abs(db)) > ftol)
    best = np.where(np.abs(da) <= np.abs(db), xa, xb)
    best_d = np.where(np.abs(da) <= np.abs(db), da, db)
    if use_sec.any():
        fs_sec = ev(sec[use_sec]) - t[use_sec]
        better = np.abs(fs_sec) < np.abs(best_d[use_sec])
        best[np.flatnonzero(use_sec)[better]] = sec[use_sec][better]
        best_d[np.flatnonzero(use_sec)[better]] = fs_sec[better]
    achieved_all = np.full(m, np.nan)
    if found.any():
        achieved_all[found] = sweep.evaluate(scenario, {vary: best[found]}, [metric])[metric]
    out = []
    reach = _reach_text(fx, metric)
    for i in range(m):
        ti = float(t[i])
        if not found[i]:
            msg = (f"no value of {vary} in [{_fmt(a)}, {_fmt(b)}] gives {metric} = {_show_metric(ti, metric)}: "
                   f"reachable {reach}")
            out.append(SolveResult(vary, metric, ti, math.nan, math.nan, False, msg, base_in, base_res, a, b))
            continue
        val, ach = float(best[i]), float(achieved_all[i])
        ok = abs(_ordered(np.array([ach]), metric)[0] - ti) <= ftol[i]
        if ok:
            msg = f"{vary} = {_fmt(val)} gives {metric} = {_show_metric(ach, metric)}"
        elif integer:
            msg = (f"{vary} is a whole number: {_fmt(xa[i])} gives {_show_metric(_num(da[i] + ti), metric)} and "
                   f"{_fmt(xb[i])} gives {_show_metric(_num(db[i] + ti), metric)}; the closer is returned")
        else:
            msg = (f"{metric} jumps across {_show_metric(ti, metric)} at {vary} ≈ {_fmt(val)} (from "
                   f"{_show_metric(_num(da[i] + ti), metric)} to {_show_metric(_num(db[i] + ti), metric)}); "
                   "no value gives it exactly")
        if n_cross[i] > 1:
            msg += f" ({int(n_cross[i])} crossings in range; the one nearest the current value is returned)"
        out.append(SolveResult(vary, metric, ti, val, ach, bool(ok), msg, base_in, base_res, a, b))
    return out


def _num(x: float) -> float:
    return float(x)


def _reach_text(fx: np.ndarray, metric: str) -> str:
    info = sweep.metric_info(metric)
    finite = fx[np.isfinite(fx)]
    parts = []
    if finite.size and finite.min() == finite.max() and finite.size == fx.size:
        return f"only {_show_metric(float(finite[0]), metric)} (the result does not depend on this input here)"
    if finite.size:
        parts.append(f"{_show_metric(float(finite.min()), metric)} … {_show_metric(float(finite.max()), metric)}")
    if np.isinf(fx).any() and info.nan_means == "never":
        parts.append("or never (not recovered within the horizon)")
    if np.isnan(fx).any():
        parts.append(f"({info.nan_means} for part of the range)")
    return " ".join(parts) if parts else f"{info.nan_means} everywhere in the range"


def solve(scenario: Scenario, vary: str, target: str, value: float, *, lo: float | None = None,
          hi: float | None = None, rtol: float = 1e-9) -> SolveResult:
    """Goal seek: the value of input ``vary`` for which result ``target`` equals ``value``.

    Examples: rental price for a 24-month payback (``vary="heavy.price_cny_per_card_hour",
    target="payback_months", value=24``), occupancy for IRR = 15 %, buy price for a zero spread.
    Raises :class:`NoSolution` (a ValueError) when no value in ``[lo, hi]`` (default: the input's
    allowed range) reaches the target, saying which range of the result is reachable.
    See :func:`solve_many` for the method."""
    res = solve_many(scenario, vary, target, [value], lo=lo, hi=hi, rtol=rtol)[0]
    if math.isnan(res.value):
        raise NoSolution(res.message)
    return res
