"""Vectorised internal rate of return over many cash-flow rows.

``irr(cf)`` solves ``sum_t cf[..., t] / (1 + r)**t = 0`` for every row at once: a coarse grid of
rates brackets the sign changes of NPV, the bracket nearest to a zero rate is kept (the root
numpy-financial reports for conventional flows), and a safeguarded Newton iteration (Newton steps
inside the bracket, bisection when a step leaves it) polishes the root to ~1e-13. Rows with no
sign change of NPV on the grid have no IRR and return NaN.
"""

from __future__ import annotations

import numpy as np

__all__ = ["irr", "npv_at"]


def npv_at(rate: np.ndarray, cf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NPV and its derivative d NPV / d rate for each row at its own rate (Horner). Shapes (n,)."""
    x = 1.0 / (1.0 + rate)  # discount per period
    # P(x) = sum cf_t x^t ; evaluate by Horner from the last period.
    p = np.zeros_like(rate)
    dp = np.zeros_like(rate)
    for t in range(cf.shape[-1] - 1, -1, -1):
        dp = dp * x + p
        p = p * x + cf[:, t]
    # d/dr P(x(r)) = P'(x) * dx/dr, dx/dr = -x^2
    return p, -dp * x * x


def _grid(n_periods: int) -> np.ndarray:
    lo = 10.0 ** (-250.0 / max(n_periods - 1, 1)) - 1.0  # keep (1+r)^-T finite
    lo = max(lo, -0.95)
    neg = -np.geomspace(1e-4, -lo, 24)[::-1]
    pos = np.geomspace(1e-4, 20.0, 40)
    return np.concatenate([neg, [0.0], pos])


def irr(cf: np.ndarray, *, tol: float = 1e-13, max_iter: int = 100) -> np.ndarray:
    """Per-period IRR of each row of ``cf`` (shape (..., T)); NaN where none exists.

    Parameters
    ----------
    cf : array (..., T)
        Cash flows per period, period 0 first. [CNY]

    Returns
    -------
    array (...)
        Rate per period (monthly flows give a monthly rate).
    """
    cf = np.asarray(cf, dtype=float)
    shape = cf.shape[:-1]
    cf2 = cf.reshape(-1, cf.shape[-1])
    n, T = cf2.shape
    out = np.full(n, np.nan)
    if n == 0 or T < 2:
        return out.reshape(shape)
    finite = np.all(np.isfinite(cf2), axis=1)
    g = _grid(T)
    disc = (1.0 + g)[None, :] ** -np.arange(T)[:, None]  # (T, K)
    vals = np.where(finite[:, None], np.nan_to_num(cf2) @ disc, np.nan)  # (n, K)
    sign = np.sign(vals)
    exact = sign == 0
    change = (sign[:, :-1] * sign[:, 1:]) < 0  # (n, K-1)
    # choose the bracket (or exact grid root) nearest a zero rate
    mid = 0.5 * (g[:-1] + g[1:])
    dist = np.where(change, np.abs(mid)[None, :], np.inf)
    k = np.argmin(dist, axis=1)
    has = np.isfinite(dist[np.arange(n), k])
    dist_exact = np.where(exact, np.abs(g)[None, :], np.inf)
    ke = np.argmin(dist_exact, axis=1)
    use_exact = np.isfinite(dist_exact[np.arange(n), ke]) & (
        ~has | (dist_exact[np.arange(n), ke] <= dist[np.arange(n), k])
    )
    out[use_exact] = g[ke[use_exact]]
    solve = has & ~use_exact
    if np.any(solve):
        rows = cf2[solve]
        lo, hi = g[k[solve]], g[k[solve] + 1]
        f_lo = vals[solve, k[solve]]
        r = 0.5 * (lo + hi)
        for _ in range(max_iter):
            f, df = npv_at(r, rows)
            # shrink the bracket
            same = np.sign(f) == np.sign(f_lo)
            lo = np.where(same, r, lo)
            f_lo = np.where(same, f, f_lo)
            hi = np.where(same, hi, r)
            with np.errstate(divide="ignore", invalid="ignore"):
                step = r - f / df
            ok = np.isfinite(step) & (step > lo) & (step < hi)
            r_new = np.where(ok, step, 0.5 * (lo + hi))
            done = np.abs(r_new - r) <= tol * np.maximum(1.0, np.abs(r_new))
            r = r_new
            if np.all(done | (f == 0)):
                break
        out[solve] = r
    return out.reshape(shape)
