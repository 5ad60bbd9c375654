"""Break-even / goal seek: the value of one input that gives a target result, for many targets
at once (one batch per refinement step for all of them).

Method: scan the input's range (even grid plus log-spaced points around the current value) →
bracket (the crossing of the target nearest the current value) → refine (split each bracket
into 32 and keep the first sub-bracket that still crosses; no smoothness needed, so payback that is
"never" on part of the range or jumps is fine, as are integer inputs) → polish (a secant step where
the result is smooth) → message (what was reached, or what range of the result is reachable).
Payback "never" counts as +∞ (``results.ordered``). The base is a scenario or a portfolio
(``vary="shocks.price_factor"``, ``target="company.payback_months"``; :mod:`finmodel.analysis.subject`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from finmodel import schema
from finmodel.analysis import subject as subjects
from finmodel.analysis import sweep
from finmodel.analysis.subject import HORIZON, Base, Subject, declared, subject
from finmodel.model import display, results
from finmodel.model.results import MetricInfo

__all__ = ["SolveResult", "NoSolution", "solve", "solve_many"]


def _fmt(x: float) -> str:
    """An input value in a message (6 significant digits)."""
    return display.show(x, style=display.MESSAGE, unit=False)


def _show_metric(x: float, info: MetricInfo) -> str:
    """A result value in a message, in its base unit (``24 months``, ``3.73044e+06 CNY``)."""
    return display.show_item(x, declared(info), style=display.MESSAGE)


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
    s_lo, s_hi = fs.closed_bounds()
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


def solve_many(base: Base, vary: str, target: str, values: Iterable[float], *, lo: float | None = None,
               hi: float | None = None, rtol: float = 1e-9) -> list[SolveResult]:
    """Goal seek for many target values at once (vectorised: one batch per refinement step).

    Parameters
    ----------
    base : the scenario, or a portfolio.
    vary : the input to solve for (a numeric dotted path; a portfolio's, e.g. ``shocks.price_factor``).
    target : the result (``heavy.payback_months``; ``payback_months`` for short, which for a
        portfolio means ``company.payback_months``).
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
    subj = subject(base)
    fs = sweep.numeric_spec(vary, subj)
    if vary == HORIZON:
        raise ValueError(f"{vary} is the time axis and cannot be solved for; try each horizon with finmodel evaluate")
    metric = subj.metric_path(target)
    t = np.atleast_1d(np.asarray(list(values) if not np.isscalar(values) else [values], dtype=float))
    if not np.all(np.isfinite(t)):
        raise ValueError(f"target values for {metric} must be finite numbers")
    a, b = _range(fs, vary, lo, hi)
    base_in = subj.get(vary)
    base_in = math.nan if base_in is None else float(base_in)
    info = subj.metric_info(metric)
    ev = lambda pts: results.ordered(_results(subj, {vary: pts}, metric), info)  # noqa: E731
    xs = _scan_points(fs, base_in, a, b)
    fx = ev(xs)
    base_res = float(_results(subj, {}, metric)[0])
    ftol = _tolerance(fx, t, rtol)
    integer = fs.kind == "int"
    br = _bracket(xs, fx, t, base_in if math.isfinite(base_in) else a, ftol)
    _refine(br, ev, t, ftol, integer)
    best = _polish(br, ev, t, ftol, integer)
    achieved = np.full(t.size, np.nan)
    if br.found.any():
        achieved[br.found] = _results(subj, {vary: best[br.found]}, metric)
    reach = _reach_text(fx, info)
    out = []
    for i, ti in enumerate(t.tolist()):
        if not br.found[i]:
            msg = (f"no value of {vary} in [{_fmt(a)}, {_fmt(b)}] gives {metric} = {_show_metric(ti, info)}: "
                   f"reachable {reach}")
            out.append(SolveResult(vary, metric, ti, math.nan, math.nan, False, msg, base_in, base_res, a, b))
            continue
        val, ach = float(best[i]), float(achieved[i])
        ok = bool(abs(results.ordered(np.array([ach]), info)[0] - ti) <= ftol[i])
        msg = _solved_text(br, i, vary, info, ti, val, ach, ok, integer)
        out.append(SolveResult(vary, metric, ti, val, ach, ok, msg, base_in, base_res, a, b))
    return out


def _results(subj: Subject, overrides: dict[str, np.ndarray], metric: str) -> np.ndarray:
    return subjects.evaluate(subj, overrides, [metric])[metric]


def _tolerance(fx: np.ndarray, t: np.ndarray, rtol: float) -> np.ndarray:
    """Per target: ``rtol`` × the larger of |target| and the result's typical size on the scan."""
    finite = fx[np.isfinite(fx)]
    scale = max(float(np.median(np.abs(finite))) if finite.size else 1.0, 1e-12)
    return rtol * np.maximum(np.abs(t), scale)


@dataclass
class _Brackets:
    """Per target: the bracket ``[xa, xb]`` of the input with result − target ``da``, ``db`` at its
    ends, whether a crossing was ``found``, how many the scan saw, and which are still ``active``."""

    xa: np.ndarray
    xb: np.ndarray
    da: np.ndarray
    db: np.ndarray
    found: np.ndarray
    n_cross: np.ndarray
    active: np.ndarray


def _bracket(xs: np.ndarray, fx: np.ndarray, t: np.ndarray, ref: float, ftol: np.ndarray) -> _Brackets:
    """From the scan ``fx`` at ``xs``: per target the crossing nearest ``ref`` (exact hits close it)."""
    m = t.size
    d = fx[None, :] - t[:, None]  # (m, K)
    cross, prev = _crossings(np.broadcast_to(xs, d.shape), d)
    n_cross = cross.sum(axis=1)
    right = np.broadcast_to(xs, d.shape)
    left = xs[np.maximum(prev, 0)]
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
    return _Brackets(xa, xb, da, db, found, n_cross, found & ~(hit_a | hit_b))


def _refine(br: _Brackets, ev: Callable[[np.ndarray], np.ndarray], t: np.ndarray, ftol: np.ndarray,
            integer: bool) -> None:
    """Split every active bracket into 32 per step, keeping the first sub-bracket that still crosses
    (one batch per step for all targets), until it is narrow enough or an end is on target."""
    xa, xb, da, db = br.xa, br.xb, br.da, br.db
    for _ in range(_MAX_STEPS):
        width_ok = (xb - xa) <= (1.0 if integer else 1e-13 * np.maximum(1.0, np.abs(xa)))
        small = np.minimum(np.abs(da), np.abs(db)) <= ftol
        br.active &= ~width_ok & ~small
        idx = np.flatnonzero(br.active)
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


def _polish(br: _Brackets, ev: Callable[[np.ndarray], np.ndarray], t: np.ndarray, ftol: np.ndarray,
            integer: bool) -> np.ndarray:
    """The answer per target: the bracket end nearer the target, or a secant step between finite
    ends where that lands closer."""
    xa, xb, da, db = br.xa, br.xb, br.da, br.db
    with np.errstate(divide="ignore", invalid="ignore"):
        sec = xa - da * (xb - xa) / (db - da)
    use_sec = br.found & ~integer & np.isfinite(sec) & (sec > xa) & (sec < xb) & np.isfinite(da) & np.isfinite(db) \
        & (np.minimum(np.abs(da), np.abs(db)) > ftol)
    best = np.where(np.abs(da) <= np.abs(db), xa, xb)
    best_d = np.where(np.abs(da) <= np.abs(db), da, db)
    if use_sec.any():
        fs_sec = ev(sec[use_sec]) - t[use_sec]
        better = np.abs(fs_sec) < np.abs(best_d[use_sec])
        best[np.flatnonzero(use_sec)[better]] = sec[use_sec][better]
        best_d[np.flatnonzero(use_sec)[better]] = fs_sec[better]
    return best


def _solved_text(br: _Brackets, i: int, vary: str, info: MetricInfo, ti: float, val: float, ach: float, ok: bool,
                 integer: bool) -> str:
    """The message of a target that has a bracket: solved, a whole-number input, or a jump."""
    metric = info.path
    lo_r, hi_r = br.da[i] + ti, br.db[i] + ti
    if ok:
        msg = f"{vary} = {_fmt(val)} gives {metric} = {_show_metric(ach, info)}"
    elif integer:
        msg = (f"{vary} is a whole number: {_fmt(br.xa[i])} gives {_show_metric(lo_r, info)} and "
               f"{_fmt(br.xb[i])} gives {_show_metric(hi_r, info)}; the closer is returned")
    else:
        msg = (f"{metric} jumps across {_show_metric(ti, info)} at {vary} ≈ {_fmt(val)} (from "
               f"{_show_metric(lo_r, info)} to {_show_metric(hi_r, info)}); no value gives it exactly")
    if br.n_cross[i] > 1:
        msg += f" ({int(br.n_cross[i])} crossings in range; the one nearest the current value is returned)"
    return msg


def _reach_text(fx: np.ndarray, info: MetricInfo) -> str:
    """What range of the result the scan reached (for the message of an unreachable target)."""
    finite = fx[np.isfinite(fx)]
    parts = []
    if finite.size and finite.min() == finite.max() and finite.size == fx.size:
        return f"only {_show_metric(float(finite[0]), info)} (the result does not depend on this input here)"
    if finite.size:
        parts.append(f"{_show_metric(float(finite.min()), info)} … {_show_metric(float(finite.max()), info)}")
    if np.isinf(fx).any() and info.nan_means == "never":
        parts.append("or never (not recovered within the horizon)")
    if np.isnan(fx).any():
        parts.append(f"({info.nan_means} for part of the range)")
    return " ".join(parts) if parts else f"{info.nan_means} everywhere in the range"


def solve(base: Base, vary: str, target: str, value: float, *, lo: float | None = None,
          hi: float | None = None, rtol: float = 1e-9) -> SolveResult:
    """Goal seek: the value of input ``vary`` for which result ``target`` equals ``value``.

    Examples: rental price for a 24-month payback (``vary="heavy.price_cny_per_card_hour",
    target="payback_months", value=24``), occupancy for IRR = 15 %, buy price for a zero spread.
    Raises :class:`NoSolution` (a ValueError) when no value in ``[lo, hi]`` (default: the input's
    allowed range) reaches the target, saying which range of the result is reachable.
    See :func:`solve_many` for the method."""
    res = solve_many(base, vary, target, [value], lo=lo, hi=hi, rtol=rtol)[0]
    if math.isnan(res.value):
        raise NoSolution(res.message)
    return res
