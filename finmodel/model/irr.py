"""Vectorised internal rate of return over many cash-flow rows.

``irr(cf)`` solves ``sum_t cf[..., t] / (1 + r)**t = 0`` for every row at once, in two steps:

1. **Bracket.** NPV is evaluated on a grid of rates with one matrix product (rows × periods @
   periods × grid); a sign change between neighbouring grid rates brackets a root.

   * *Conventional* rows (the flows change sign once, e.g. an investment then income) have exactly
     one IRR above −100 % (Descartes' rule of signs), so a coarse grid of 45 rates suffices.
   * So do rows whose *cumulative* flows change sign at most once read forwards and at most once
     read backwards: the forward count bounds the roots above a zero rate, the backward count
     those below (Norstrom 1972; de Faro 1978: Descartes' rule for the series Σ A_t x^t, x =
     1/(1+r), on (0, 1), and for the reversed flows on (1, ∞)). Such a row — a take-or-pay deal
     with a prepayment, a deposit returned at the end, receivables collected after the horizon —
     has at most one IRR on each side of zero, and the coarse grid brackets each.
   * Other rows may have several IRRs. They get a fine grid (neighbouring rates 4 % apart, 1e-4
     apart around zero), and the root closest to a zero rate is kept — the one numpy-financial
     reports — by polishing the nearest bracket on each side of zero and keeping the smaller.

2. **Polish.** A safeguarded Newton iteration (start: inverse cubic interpolation of the grid
   NPVs around the bracket, else regula falsi; Newton steps inside the bracket, bisection when a
   step would leave it) converges each row to about 1e-14, typically in 2-4 iterations; rows
   are written out as soon as they converge (and dropped from the arrays once a quarter of the
   running rows have). NPV and its derivative are evaluated blockwise
   (``x^t = x^(aB) x^b`` with ``B ≈ √T``), one pass over the flows per iteration.

The grid product runs in fixed blocks of 64 rows, so a row's IRR is bit-identical whether it is
solved alone or inside a batch of any size (BLAS picks other kernels for other shapes).

A row has no IRR (NaN) when its NPV never changes sign on the grid: flows of one sign only, all
zero, non-finite, a root beyond the grid (rates from about −99.99 % — less for long rows, so
``(1+r)**-T`` stays finite — to +100,000 % per period), or roots where the NPV only touches zero
(double roots) or two roots closer together than the fine grid's spacing (numpy-financial, which
takes all polynomial roots, may still report one of those).

Cost (61 monthly periods, one core, this project's 2-core CI machine): about 2 µs per
conventional row; memory about 4 × rows × periods × 8 bytes.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["irr", "npv_at", "sign_changes", "grid_rates"]

_MAX_RATE = 1e3  # per period; beyond this the NPV is cf[0] to machine precision
_MIN_RATE = -0.9999
_ROWS = 64  # rows per BLAS product in the grid evaluation (see _grid_npv)
_ACCEPT = 1e-8  # relative Newton step after which the stepped-to point is accurate to ~1e-14


# --------------------------------------------------------------------------- NPV at a rate per row
def npv_at(rate: np.ndarray, cf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NPV and its derivative d NPV / d rate of each row of ``cf`` (m, T) at its own ``rate`` (m,)."""
    cf = np.atleast_2d(np.asarray(cf, dtype=float))
    A, B = _block_shape(cf.shape[-1])
    padded = np.zeros((cf.shape[0], A * B))
    padded[:, : cf.shape[-1]] = cf
    return _npv_df(np.asarray(rate, dtype=float), padded.reshape(-1, A, B))


def _block_shape(n_periods: int) -> tuple[int, int]:
    """(A, B) with A × B ≥ T periods and B ≈ √T."""
    B = max(int(np.ceil(np.sqrt(n_periods))), 1)
    return -(-n_periods // B), B


def _npv_df(rate: np.ndarray, blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NPV and d NPV / d rate of flows laid out as (m, A, B) blocks (period t = aB + b).

    With x = 1/(1+r): NPV = Σ_a x^(aB) Σ_b cf_ab x^b and
    Σ_t t cf_t x^t = Σ_a x^(aB) [aB Σ_b cf_ab x^b + Σ_b b cf_ab x^b]; d NPV/dr = −x Σ_t t cf_t x^t.
    The powers are laid out row by row, (m, B, 2) and (m, A): contiguous operands (a transposed
    one costs numpy's batched product a strided loop; the sums and their order are the same)."""
    m, A, B = blocks.shape
    x = 1.0 / (1.0 + rate)
    pw = np.empty((m, B, 2))  # x^b and b x^b
    pw[:, 0, 0] = 1.0
    for b in range(1, B):
        np.multiply(pw[:, b - 1, 0], x, out=pw[:, b, 0])
    np.multiply(pw[:, :, 0], np.arange(B), out=pw[:, :, 1])
    pa = np.empty((m, A))  # x^(aB)
    pa[:, 0] = 1.0
    step = pw[:, B - 1, 0] * x
    for a in range(1, A):
        np.multiply(pa[:, a - 1], step, out=pa[:, a])
    inner = blocks @ pw  # (m, A, 2) batched 8×8 products
    inner[:, :, 1] += inner[:, :, 0] * (B * np.arange(A))
    s = np.einsum("mak,ma->mk", inner, pa)
    return s[:, 0], -s[:, 1] * x


# --------------------------------------------------------------------------- sign structure
def sign_changes(cf: np.ndarray) -> np.ndarray:
    """Number of sign changes along the last axis, zeros skipped (Descartes' rule of signs)."""
    s = np.sign(np.asarray(cf, dtype=float))
    T = s.shape[-1]
    idx = np.where(s != 0, np.arange(T), 0)
    np.maximum.accumulate(idx, axis=-1, out=idx)
    filled = np.take_along_axis(s, idx, axis=-1)  # sign of the last non-zero flow so far
    return np.count_nonzero(filled[..., 1:] * filled[..., :-1] < 0, axis=-1)


def _classify(cf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks: rows with at most one IRR on each side of a zero rate (one sign change of the
    flows, or at most one of their cumulative sums forwards and backwards: :func:`_one_root_a_side`),
    and the other rows with flows of both signs."""
    pos, neg = cf > 0, cf < 0
    both = pos.any(axis=1) & neg.any(axis=1)
    one = both & _monotone(pos, neg)
    many = both & ~one
    if many.any():
        sel = np.flatnonzero(many)
        ok = _one_root_a_side(cf[sel])
        one[sel[ok]] = True
        many[sel[ok]] = False
    return one, many


def _monotone(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """Rows whose signs (``pos``/``neg`` masks, zeros in neither) change at most once."""
    T = pos.shape[-1]
    first_pos, first_neg = np.argmax(pos, axis=1), np.argmax(neg, axis=1)
    last_pos, last_neg = T - 1 - np.argmax(pos[:, ::-1], axis=1), T - 1 - np.argmax(neg[:, ::-1], axis=1)
    has_pos, has_neg = pos.any(axis=1), neg.any(axis=1)
    return ~(has_pos & has_neg) | (last_neg < first_pos) | (last_pos < first_neg)


def _one_root_a_side(cf: np.ndarray) -> np.ndarray:
    """Rows (m, T) whose cumulative sums forwards (A_t = Σ_{s≤t} cf_s) and backwards (B_t = Σ_{s≥t}
    cf_s) each change sign at most once. A partial sum within T ulps of the row's total magnitude
    counts as both signs (rounding could hide a sign change there), except the exact zeros of leading
    (forwards) or trailing (backwards) zero flows."""
    m, T = cf.shape
    part = np.cumsum(cf, axis=1)
    total = part[:, -1:]
    tail = np.empty_like(part)  # B_t = total − A_(t−1)
    tail[:, 0] = total[:, 0]
    np.subtract(total, part[:, :-1], out=tail[:, 1:])
    tol = (4 * T * np.finfo(float).eps) * np.abs(cf).sum(axis=1, keepdims=True)
    nonzero = cf != 0
    t = np.arange(T)
    lead = t < np.argmax(nonzero, axis=1)[:, None]  # before the first non-zero flow: A_t is exactly 0
    trail = t > (T - 1 - np.argmax(nonzero[:, ::-1], axis=1))[:, None]  # after the last: B_t is exactly 0
    ok = np.ones(m, dtype=bool)
    for sums, exact in ((part, lead), (tail, trail)):
        near = (np.abs(sums) <= tol) & ~exact
        ok &= _monotone((sums > 0) | near, (sums < 0) | near)
    return ok


# --------------------------------------------------------------------------- grids
@functools.lru_cache(maxsize=32)
def _grid(n_periods: int, fine: bool) -> tuple[np.ndarray, np.ndarray]:
    """Grid of rates (K,) and the discount matrix (A·B, K) mapping padded flows to NPVs on it."""
    lo = max(10.0 ** (-250.0 / max(n_periods - 1, 1)) - 1.0, _MIN_RATE)  # (1+r)^-T below 1e250
    if fine:
        neg = -np.geomspace(1e-4, -lo, int(np.log(-lo / 1e-4) / np.log(1.04)) + 2)[::-1]
        pos = np.geomspace(1e-4, _MAX_RATE, int(np.log(_MAX_RATE / 1e-4) / np.log(1.04)) + 2)
    else:
        neg = -np.geomspace(1e-3, -lo, 12)[::-1]
        pos = np.geomspace(1e-3, _MAX_RATE, 32)
    g = np.concatenate([neg, [0.0], pos])
    A, B = _block_shape(n_periods)
    t = np.arange(A * B, dtype=float)
    with np.errstate(under="ignore"):
        disc = np.where(t[:, None] < n_periods, np.exp(np.multiply.outer(t, -np.log1p(g))), 0.0)
    g.setflags(write=False)
    disc.setflags(write=False)
    return g, disc


def grid_rates(n_periods: int, fine: bool = True) -> np.ndarray:
    """The rates per period (ascending, read-only, 0 included) on which :func:`irr` looks for sign
    changes of the NPV of a row of ``n_periods`` flows; ``fine`` is the grid of rows whose flows
    change sign more than once. The workbook's IRR solver sheet lists these rates as data cells."""
    return _grid(n_periods, fine)[0]


# --------------------------------------------------------------------------- the solver
def irr(cf: np.ndarray, *, tol: float = 1e-13, max_iter: int = 80) -> np.ndarray:
    """Per-period IRR of each row of ``cf``; NaN where none exists.

    Parameters
    ----------
    cf : array_like (..., T)
        Cash flows per period, period 0 first (undiscounted). [CNY]
    tol : float
        Convergence: Newton step ``|Δr| ≤ tol × max(1, |r|)``.
    max_iter : int
        Newton/bisection iterations at most (bisection alone needs about 50).

    Returns
    -------
    ndarray (...)
        Rate per period (monthly flows give a monthly rate); NaN where no IRR exists.

    Examples
    --------
    >>> round(float(irr([-100, 39, 59, 55, 20])), 5)
    0.28095
    """
    cf = np.asarray(cf, dtype=float)
    shape, T = cf.shape[:-1], cf.shape[-1]
    cf2 = cf.reshape(-1, T)
    out = np.full(cf2.shape[0], np.nan)
    if out.size == 0 or T < 2:
        return out.reshape(shape)
    with np.errstate(invalid="ignore"):
        top, bottom = cf2.max(axis=1), cf2.min(axis=1)
    finite = np.isfinite(top) & np.isfinite(bottom)
    one, many = _classify(np.where(finite[:, None], cf2, 0.0) if not finite.all() else cf2)
    A, B = _block_shape(T)
    for mask, fine in ((one, False), (many, True)):
        sel = np.flatnonzero(mask)
        if sel.size == 0:
            continue
        rows = np.zeros((sel.size, A * B))
        scale = 1.0 / np.maximum(top[sel], -bottom[sel])
        np.multiply(cf2[sel], scale[:, None], out=rows[:, :T])  # same roots, no overflow
        out[sel] = _solve(rows, *_grid(T, fine), (A, B), tol, max_iter)
    return out.reshape(shape)


def _solve(rows, g, disc, ab, tol, max_iter) -> np.ndarray:
    """IRR nearest zero of each padded row, from NPVs on the grid ``g``."""
    with np.errstate(over="ignore", invalid="ignore"):
        vals = _grid_npv(rows, disc)  # (m, K)
    m, K = vals.shape
    nonneg = vals >= 0  # an exact zero at a grid rate counts as ≥ 0 and is caught by the polish
    change = nonneg[:, 1:] != nonneg[:, :-1]  # (m, K - 1)
    if not np.isfinite(vals).all():  # overflowed grid NPVs bracket nothing
        finite = np.isfinite(vals)
        change &= finite[:, 1:] & finite[:, :-1]
    izero = int(np.flatnonzero(g == 0)[0])
    # nearest bracket below zero: the last change in [0, izero); above: the first in [izero, K-1)
    below, above = change[:, :izero], change[:, izero:]
    has_b, has_a = below.any(axis=1), above.any(axis=1)
    kb = izero - 1 - np.argmax(below[:, ::-1], axis=1)
    ka = izero + np.argmax(above, axis=1)
    # A root lies inside its bracket: where one side's bracket is wholly nearer zero than the
    # other's, the other side's root cannot be the nearer one and is not polished.
    with np.errstate(invalid="ignore"):
        kb1, ka1 = np.minimum(kb + 1, K - 1), np.minimum(ka + 1, K - 1)
        need_b = has_b & ~(has_a & (g[ka1] < -g[kb1]))
        need_a = has_a & ~(has_b & (-g[kb] < g[ka]))
    out_b = np.full(m, np.nan)
    out_a = np.full(m, np.nan)
    blocks = rows.reshape(m, *ab)
    for has, k, res in ((need_b, kb, out_b), (need_a, ka, out_a)):
        sel = np.flatnonzero(has)
        if sel.size:
            ks = k[sel]
            idx = np.clip(ks[:, None] + np.arange(-1, 3), 0, K - 1)  # the grid points k-1..k+2
            near = vals[sel[:, None], idx]  # (|sel|, 4): only what the start and the bracket need
            start = _inverse_cubic(g[idx], near)
            res[sel] = _polish(blocks[sel], g[ks], g[ks + 1], near[:, 1], near[:, 2], start, tol, max_iter)
    pick_b = np.isfinite(out_b) & (~np.isfinite(out_a) | (np.abs(out_b) < np.abs(out_a)))
    return np.where(pick_b, out_b, out_a)


def _grid_npv(rows: np.ndarray, disc: np.ndarray) -> np.ndarray:
    """NPVs of every row at every grid rate, ``rows @ disc``, computed in fixed blocks of
    :data:`_ROWS` rows (the last one zero-padded). A BLAS product's rounding can depend on how many
    rows it is given (one row goes through a matrix-vector kernel), which would make a scenario's
    IRR differ in the last bit between a batch and a single evaluation; equal-sized blocks give
    every row the same arithmetic."""
    m, width = rows.shape
    pad = -m % _ROWS
    if pad:
        rows = np.concatenate([rows, np.zeros((pad, width))])
    return (rows.reshape(-1, _ROWS, width) @ disc).reshape(-1, disc.shape[1])[:m]


def _inverse_cubic(r: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Start points: the rate where the cubic through the NPVs ``f`` (m, 4) at the rates ``r``
    (m, 4) — grid points k-1..k+2 around the bracket — read as rate as a function of NPV, gives
    NPV = 0 (NaN where the points do not allow it)."""
    m = f.shape[0]
    out = np.zeros(m)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for i in range(4):
            w = np.ones(m)
            for j in range(4):
                if j != i:
                    w *= -f[:, j] / (f[:, i] - f[:, j])
            out += r[:, i] * w
    return out


def _polish(blocks, lo, hi, f_lo, f_hi, start, tol, max_iter):
    """Safeguarded Newton inside brackets [lo, hi] where f(lo) and f(hi) differ in sign (or one is 0).

    A Newton step is taken only if it stays inside the bracket and moves at most half as far as the
    previous step (Numerical Recipes' ``rtsafe`` rule); otherwise the row bisects. Without the second
    condition Newton can crawl across a very steep NPV (deeply negative rates, long rows) in tiny
    steps that never leave the bracket and run out of iterations away from the root.

    Rows that converge are written out and dropped from the iteration once they are a quarter of
    those still running (each row's arithmetic does not depend on which others run beside it)."""
    out = np.empty(lo.size)
    r = lo - f_lo * (hi - lo) / (f_hi - f_lo)  # regula-falsi start
    r = np.where(np.isfinite(start) & (start > lo) & (start < hi), start, r)
    r = np.where(f_lo == 0, lo, np.where(f_hi == 0, hi, r))
    r = np.where((r >= lo) & (r <= hi), r, 0.5 * (lo + hi))
    lo_pos = f_lo >= 0  # only the sign of f(lo) is needed from here on
    act = np.arange(lo.size)
    live = np.ones(lo.size, dtype=bool)  # not yet written out
    dx_old = hi - lo  # the step before the first is the whole bracket
    for _ in range(max_iter):
        f, df = _npv_df(r, blocks)
        same = (f >= 0) == lo_pos
        np.copyto(lo, r, where=same)
        np.copyto(hi, r, where=~same)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            step = r - f / df
        move = np.abs(step - r)
        newton = (step >= lo) & (step <= hi) & (move <= 0.5 * dx_old)  # False for a NaN step
        r_new = np.where(newton, step, 0.5 * (lo + hi))
        scale = np.maximum(1.0, np.abs(r))
        # Newton converges quadratically: after a step of 1e-8 the error is ~1e-16 × |f''/f'|,
        # so that step is taken and the row is done (saves a confirming evaluation)
        hit = f == 0
        done = (newton & (move <= np.maximum(tol, _ACCEPT) * scale)) | (hi - lo <= tol * scale) | hit
        np.copyto(r_new, r, where=hit)
        dx_old = np.abs(r_new - r)
        done &= live
        if done.any():
            out[act[done]] = r_new[done]
            live &= ~done
            n_live = np.count_nonzero(live)
            if n_live == 0:
                return out
            if n_live <= 0.75 * act.size:  # compact: copy the running rows once enough have left
                act, blocks = act[live], blocks[live]
                r_new, lo, hi, lo_pos, dx_old = r_new[live], lo[live], hi[live], lo_pos[live], dx_old[live]
                live = np.ones(act.size, dtype=bool)
        r = r_new
    out[act[live]] = r[live]  # tolerance not met: still a point inside a bracket that holds the root
    return out
