"""Monte Carlo over uncertain inputs: distributions, rank correlation, seeded chunked sampling.

Sampling scheme (one code path for every engine and chunk size)
----------------------------------------------------------------
* Draw ``i`` (0-based) belongs to RNG block ``i // BLOCK``; block ``b`` uses
  ``numpy.random.default_rng(SeedSequence(seed, spawn_key=(b,)))``. So a seed gives the same draws
  whatever the chunk size, the engine (local threads or Dask) or the number of workers.
* Each block draws independent standard normals ``Z`` (blocks × inputs), correlates them with the
  Cholesky factor of the copula matrix (``Z @ L.T``), maps them to uniforms ``U = Φ(Z)`` and each
  input through its inverse CDF — a **Gaussian copula**. Correlations are given as Spearman rank
  correlations ``ρ_s`` (meaningful for any marginal) and converted to the normal copula's
  ``ρ = 2 sin(π ρ_s / 6)``, which makes the inputs' rank correlation equal ``ρ_s`` exactly in the
  limit (ranks survive every monotone transform, including the truncation below).
* **Schema bounds: truncation.** A distribution reaching outside an input's allowed range is
  truncated to it: ``U`` is rescaled into ``[F(lower), F(upper)]`` before the inverse CDF. That is
  the same distribution as rejecting out-of-range draws and drawing again, without the loop, and it
  keeps the copula intact. The share of probability cut off is reported in ``notes``; a
  distribution with (almost) nothing inside the range is an error. Integer inputs are rounded.

Distributions (``{"dist": name, parameters}``; CLI ``name:p1:p2:...``) live in
:mod:`finmodel.analysis.distributions` and are re-exported here.

Results: percentiles are empirical (``inverted_cdf``: a value that occurs in the sample). Payback
"never" (NaN) counts as longer than any number of months in percentiles and probabilities, so a
P90 of "never" means more than 10 % of draws do not pay back within the horizon; means and standard
deviations are over the draws that do. For other results NaN (IRR "none", "n/a") is left out and
its share reported.

A portfolio is a base like a scenario (:mod:`finmodel.analysis.subject`): distributions on its
paths (``shocks.price_factor`` = all rental prices × f, ``cohorts.<name>.heavy.occupancy``), the
company's payback and NPV always reported, and by default draws of the company-wide shocks
(``subject.shock_distributions``).
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy import special

from finmodel.analysis import sweep
from finmodel.analysis.distributions import (
    DISTRIBUTIONS,
    MIN_MASS,
    Distribution,
    Family,
    default_distributions,
    load_dists,
    make_distribution,
    parse_corr,
    parse_dist,
)
from finmodel.analysis.executors import Executor, chunks, run_tasks
from finmodel.analysis.limits import BYTES_PER_VALUE, MAX_DRAWS, TooLarge, bytes_text, check_in_memory, count_text
from finmodel.analysis.subject import Base, ScenarioSubject, Subject, subject
from finmodel.model import results

__all__ = [
    "BLOCK",
    "MAX_DRAWS",
    "DEFAULT_METRICS",
    "DISTRIBUTIONS",
    "MIN_MASS",
    "Distribution",
    "Family",
    "MonteCarloResult",
    "TooLarge",
    "parse_dist",
    "parse_corr",
    "make_distribution",
    "load_dists",
    "default_distributions",
    "correlation_matrix",
    "sample",
    "run",
]

BLOCK = 8192  # draws per RNG stream; draws do not depend on the evaluation chunk size
DEFAULT_METRICS: tuple[str, ...] = results.DEFAULT_METRICS
ALWAYS: tuple[str, ...] = ("heavy.payback_months", "heavy.npv_cny")  # prob_payback_within, prob_npv_negative
#   (a portfolio's: company.payback_months and company.npv_cny — Subject.payback_metric / npv_metric)
#: Called with one chunk's draws: input and result path → array.
DrawsSink = Callable[[dict[str, np.ndarray]], None]
QUANTILES = {"p5": 0.05, "p10": 0.10, "p25": 0.25, "p50": 0.50, "p75": 0.75, "p90": 0.90, "p95": 0.95}




# --------------------------------------------------------------------------- correlation
def correlation_matrix(paths: Sequence[str], pairs: Iterable[tuple[str, str, float]] | Mapping | np.ndarray | None,
                       on: Base | None = None) -> np.ndarray | None:
    """Spearman rank-correlation matrix of ``paths`` from ``(a, b, rho)`` pairs (or a full matrix,
    or ``{(a, b): rho}``); ``None`` when independent. ``on``: a portfolio, for its paths."""
    if pairs is None:
        return None
    k = len(paths)
    if isinstance(pairs, np.ndarray) or (isinstance(pairs, list) and pairs and isinstance(pairs[0], list)
                                         and len(pairs) == k and all(len(r) == k for r in pairs)
                                         and all(isinstance(x, (int, float)) for r in pairs for x in r)):
        m = np.asarray(pairs, dtype=float)
        if m.shape != (k, k) or not np.allclose(m, m.T) or not np.allclose(np.diag(m), 1):
            raise ValueError(f"correlation matrix must be symmetric {k}×{k} with ones on the diagonal "
                             f"(inputs in order: {', '.join(paths)})")
    else:
        if isinstance(pairs, Mapping):
            items = [(a, b, rho) for (a, b), rho in cast(Mapping[tuple[str, str], Any], pairs).items()]
        else:
            items = list(cast(Iterable[tuple[str, str, Any]], pairs))
        m = np.eye(k)
        index = {p: i for i, p in enumerate(paths)}
        subj = subject(on)
        for a, b, rho in items:
            for name in (a, b):
                subj.field_spec(name)
                if name not in index:
                    raise ValueError(f"correlation names {name}, which has no distribution")
            if a == b:
                raise ValueError(f"correlation of {a} with itself")
            rho = float(rho)
            if not -1 <= rho <= 1 or not math.isfinite(rho):
                raise ValueError(f"correlation {a} ~ {b} = {rho:g}: must lie in [-1, 1]")
            m[index[a], index[b]] = m[index[b], index[a]] = rho
        if np.allclose(m, np.eye(k)):
            return None
    if np.any(np.abs(m) > 1):
        raise ValueError("correlations must lie in [-1, 1]")
    return m


def _copula_factor(spearman: np.ndarray | None, paths: Sequence[str]) -> np.ndarray | None:
    """Cholesky factor of the normal copula's correlation for the given rank correlations."""
    if spearman is None:
        return None
    r = 2 * np.sin(np.pi * spearman / 6)
    np.fill_diagonal(r, 1.0)
    try:
        return np.linalg.cholesky(r)
    except np.linalg.LinAlgError:
        w = np.linalg.eigvalsh(r)
        if w.min() > -1e-9:  # positive semi-definite (e.g. a correlation of ±1): a tiny ridge
            return np.linalg.cholesky(r + 1e-9 * np.eye(len(r)))
        raise ValueError("the correlations are inconsistent (the matrix is not positive definite), e.g. a ~ b and "
                         "b ~ c strongly positive with a ~ c negative; inputs: " + ", ".join(paths)) from None


# --------------------------------------------------------------------------- sampling
def _block_draws(dists: Sequence[Distribution], chol: np.ndarray | None, seed: int, block: int, start: int,
                 stop: int) -> np.ndarray:
    """Rows ``start..stop-1`` (within one RNG block) of the draw matrix (rows × inputs)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))
    z = rng.standard_normal((BLOCK, len(dists)))[start:stop]
    if chol is not None:
        z = z @ chol.T
    u = special.ndtr(z)
    return np.column_stack([d.ppf(u[:, j]) for j, d in enumerate(dists)]) if dists else z


def sample(dists: Sequence[Distribution], seed: int, start: int, stop: int,
           correlation: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Draws ``start..stop-1`` of the sequence defined by ``seed`` (independent of chunking)."""
    chol = _copula_factor(correlation, [d.path for d in dists])
    parts = []
    i = start
    while i < stop:
        b = i // BLOCK
        j = min(stop, (b + 1) * BLOCK)
        parts.append(_block_draws(dists, chol, seed, b, i - b * BLOCK, j - b * BLOCK))
        i = j
    x = np.vstack(parts) if parts else np.empty((0, len(dists)))
    return {d.path: x[:, k] for k, d in enumerate(dists)}


def _mc_chunk(base: Base, dists: tuple[Distribution, ...], corr: np.ndarray | None, seed: int, start: int,
              stop: int, metrics: list[str], keep: bool) -> dict[str, np.ndarray]:
    """One chunk of a Monte Carlo run (a task for any executor)."""
    draws = sample(dists, seed, start, stop, corr)
    res = sweep.evaluate(base, draws, metrics)
    return {**draws, **res} if keep else res


# --------------------------------------------------------------------------- results
@dataclass
class MonteCarloResult:
    """Draws' results. ``values[metric]`` is an array (n,); ``draws`` a DataFrame (inputs and
    results) when requested; ``notes`` lists truncations and other remarks; ``subject`` what was
    run (names and labels of its results; None = a scenario)."""

    n: int
    seed: int
    metrics: list[str]
    distributions: dict[str, Distribution]
    correlation: np.ndarray | None
    values: dict[str, np.ndarray]
    base: dict[str, float]
    draws: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    subject: Subject | None = field(default=None, repr=False)

    @property
    def _subj(self) -> Subject:
        return self.subject if self.subject is not None else ScenarioSubject()

    @functools.cached_property
    def summary(self) -> pd.DataFrame:
        """One row per result: deterministic base value, mean, sd, min, percentiles, max, and the
        share of NaN draws (``nan_means``: never / none / n/a)."""
        rows = []
        for p in self.metrics:
            info = self._subj.metric_info(p)
            v = self.values[p]
            finite = v[np.isfinite(v)]
            ordered = results.ordered(v, info) if info.nan_means == "never" else finite
            row: dict[str, Any] = {"metric": p, "label_en": info.label_en, "label_zh": info.label_zh,
                                   "unit": info.unit, "base": self.base.get(p, np.nan),
                                   "mean": finite.mean() if finite.size else np.nan,
                                   "sd": finite.std(ddof=1) if finite.size > 1 else np.nan,
                                   "min": ordered.min() if ordered.size else np.nan}
            qs = np.quantile(ordered, list(QUANTILES.values()), method="inverted_cdf") if ordered.size else \
                [np.nan] * len(QUANTILES)
            row.update(dict(zip(QUANTILES, (float(q) for q in qs), strict=True)))
            row["max"] = ordered.max() if ordered.size else np.nan
            row["share_nan"] = float(np.isnan(v).mean()) if v.size else np.nan
            row["nan_means"] = info.nan_means
            rows.append(row)
        return pd.DataFrame(rows)

    def prob(self, metric: str, op: str, value: float) -> float:
        """Share of draws with ``metric op value`` (op one of < <= > >=); NaN draws count as not
        satisfying it, except payback "never", which counts as longer than any month."""
        p = self._subj.metric_path(metric)
        if p not in self.values:
            raise ValueError(f"{p} was not computed in this run (metrics: {', '.join(self.metrics)})")
        v = results.ordered(self.values[p], self._subj.metric_info(p))
        ops = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}
        if op not in ops:
            raise ValueError(f"unknown comparison {op!r}: use <, <=, > or >=")
        return float(ops[op](v, value).mean()) if v.size else float("nan")

    def prob_payback_within(self, months: float, metric: str | None = None) -> float:
        """Probability that payback (default: the heavy asset's, or the company's for a portfolio)
        happens within ``months`` (never counts as not)."""
        return self.prob(metric or self._subj.payback_metric, "<=", months)

    @property
    def prob_npv_negative(self) -> float:
        """Probability that the heavy-asset NPV (a portfolio's: the company's) is below zero."""
        return self.prob(self._subj.npv_metric, "<", 0.0)


def run(base: Base, distributions: Mapping[str, Mapping[str, Any]] | None, n: int, seed: int, *,
        metrics: Sequence[str] | None = None, correlation: Any = None, keep_draws: bool = False,
        chunk_size: int = BLOCK, engine: str | Executor = "local", scheduler: str | None = None,
        progress: sweep.Progress | None = None, on_draws: DrawsSink | None = None) -> MonteCarloResult:
    """Monte Carlo of ``n`` draws.

    Parameters
    ----------
    base : base scenario, or a portfolio; inputs without a distribution keep its values.
    distributions : ``{path: {"dist": name, **params}}`` (see the module doc); ``None`` = the
        :func:`default_distributions` of the scenario, or a portfolio's shocks (a note says so).
    n : number of draws (> 0, at most :data:`MAX_DRAWS`, and results that fit in memory).
    seed : any non-negative integer; same seed and n → same draws on every executor and chunk size.
    metrics : result paths (default :data:`DEFAULT_METRICS`; a portfolio's
        ``portfolio_analysis.DEFAULT_METRICS``); heavy (company) payback and NPV are always included.
    correlation : Spearman rank correlations: ``[(a, b, rho), ...]``, ``{(a, b): rho}`` or a matrix
        in the order of ``distributions``.
    keep_draws : also return every draw (inputs and results) as ``result.draws`` (in memory).
    on_draws : called with each chunk's draws (inputs and results, by path), in order — to stream
        them to a file without holding them (``finmodel montecarlo --draws-out``).
    chunk_size, engine, scheduler, progress : as for :func:`finmodel.analysis.sweep.run`.

    Returns
    -------
    MonteCarloResult
    """
    _check_counts(n, seed)
    subj = subject(base)
    dists, notes = _distributions(subj, distributions)
    paths = [d.path for d in dists]
    corr = correlation_matrix(paths, correlation, subj)
    _copula_factor(corr, paths)  # fail early on inconsistent correlations
    mets = subj.metric_paths([*subj.metric_paths(metrics), subj.payback_metric, subj.npv_metric])
    _check_size(int(n), len(mets) + (len(paths) + len(mets) if keep_draws else 0))
    if chunk_size >= BLOCK:  # whole RNG blocks per chunk: no normals drawn twice
        chunk_size = (int(chunk_size) // BLOCK) * BLOCK
    base_values = {p: float(v[0]) for p, v in sweep.evaluate(base, {}, mets).items()}
    t0 = time.perf_counter()
    tasks = ((base, dists, corr, int(seed), a, b, mets, keep_draws or on_draws is not None)
             for a, b in chunks(int(n), chunk_size))
    values = {p: np.empty(int(n)) for p in mets}  # filled chunk by chunk: no list of parts, no concatenation
    kept = {p: np.empty(int(n)) for p in paths} if keep_draws else {}
    done = 0
    for part in run_tasks(engine, scheduler, _mc_chunk, tasks):
        k = len(part[mets[0]])
        for p, arr in (*values.items(), *kept.items()):
            arr[done:done + k] = part[p]
        if on_draws is not None:
            on_draws({p: part[p] for p in (*paths, *mets)})
        done += k
        if progress is not None:
            progress(k)
    draws = pd.DataFrame({**kept, **values}) if keep_draws else None
    return MonteCarloResult(n=int(n), seed=int(seed), metrics=mets, distributions={d.path: d for d in dists},
                            correlation=corr, values=values, base=base_values, draws=draws, notes=notes,
                            seconds=time.perf_counter() - t0, subject=subj)


def _check_size(n: int, columns: int) -> None:
    """Refuse up front a run whose results cannot be held: more than :data:`MAX_DRAWS` draws, or
    more bytes than the memory available (``columns`` values of 8 bytes per draw)."""
    nbytes = float(n) * columns * BYTES_PER_VALUE
    if n > MAX_DRAWS:
        raise TooLarge(f"{count_text(n)} draws are too many: their results would take ≈ {bytes_text(nbytes)}; "
                       f"allowed: ≤ {MAX_DRAWS:,} draws per run", n, MAX_DRAWS)
    check_in_memory(nbytes, f"the results of {count_text(n)} draws", "use fewer draws (or fewer --metric)")


def _check_counts(n: Any, seed: Any) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
        raise ValueError(f"the number of draws must be a positive whole number (got {n!r})")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"the seed must be a non-negative whole number (got {seed!r})")


def _distributions(subj: Subject, given: Mapping[str, Mapping[str, Any]] | None
                   ) -> tuple[tuple[Distribution, ...], list[str]]:
    """The validated distributions (the base's default set when none are given) and the notes
    that say so and which were truncated by more than 1 %. Each distribution's extremes are
    checked against the base's own rules first (a portfolio's purchase months before its horizon)."""
    notes: list[str] = []
    if given is None:
        given = subj.default_distributions()
        notes.append("no distributions given: using the default set (" + "; ".join(
            f"{p} ~ {make_distribution(p, d, subj).text()}" for p, d in given.items()) + ")")
    if not given:
        raise ValueError("no distributions given")
    dists = tuple(make_distribution(p, d, subj) for p, d in given.items())
    for d in dists:
        ends = d.ppf(np.array([0.0, 1.0]))
        subj.check(d.path, ends[~np.isnan(ends)])
        if d.truncated_share > 0.01:
            notes.append(f"{d.path}: {d.truncated_share:.1%} of {d.text()} lies outside the allowed range "
                         f"[{d.lower:g}, {d.upper:g}] and was truncated")
    return dists, notes
