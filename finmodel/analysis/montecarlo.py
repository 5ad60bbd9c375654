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

Distributions (``{"dist": name, parameters}``; CLI ``name:p1:p2:...`` in this order)
--------------------------------------------------------------------------------------
``triangular: low, mode, high`` · ``uniform: low, high`` · ``normal: mean, sd`` ·
``lognormal: mu, sigma`` (of log x; or ``mean``/``sd`` of x itself) ·
``beta: alpha, beta[, low, high]`` (scaled to [low, high], default [0, 1]) ·
``pert: low, mode, high`` (beta-PERT, λ = 4) · ``fixed: value``.
Zero width (sd = 0, low = high) is a point mass.

Results: percentiles are empirical (``inverted_cdf``: a value that occurs in the sample). Payback
"never" (NaN) counts as longer than any number of months in percentiles and probabilities, so a
P90 of "never" means more than 10 % of draws do not pay back within the horizon; means and standard
deviations are over the draws that do. For other results NaN (IRR "none", "n/a") is left out and
its share reported.
"""

from __future__ import annotations

import difflib
import functools
import math
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from finmodel import schema
from finmodel.analysis import sweep
from finmodel.schema import Scenario

__all__ = [
    "BLOCK",
    "DISTRIBUTIONS",
    "Distribution",
    "MonteCarloResult",
    "parse_dist",
    "make_distribution",
    "load_dists",
    "default_distributions",
    "correlation_matrix",
    "sample",
    "run",
]

BLOCK = 8192  # draws per RNG stream; draws do not depend on the evaluation chunk size
DEFAULT_METRICS = ("heavy.payback_months", "heavy.npv_cny", "heavy.irr", "heavy.gross_margin")
MIN_MASS = 1e-9  # a distribution with less probability inside the allowed range is an error
QUANTILES = {"p5": 0.05, "p10": 0.10, "p25": 0.25, "p50": 0.50, "p75": 0.75, "p90": 0.90, "p95": 0.95}


# --------------------------------------------------------------------------- distributions
def _tri_ppf(u, low, mode, high):
    w = high - low
    if w == 0:
        return np.full_like(u, low)
    c = (mode - low) / w
    return np.where(u < c, low + np.sqrt(u * w * (mode - low)), high - np.sqrt((1 - u) * w * (high - mode)))


def _tri_cdf(x, low, mode, high):
    if high == low:
        return float(x >= low)
    if x <= low:
        return 0.0
    if x >= high:
        return 1.0
    if x <= mode:
        return (x - low) ** 2 / ((high - low) * (mode - low))
    return 1 - (high - x) ** 2 / ((high - low) * (high - mode))


def _pert_ab(low, mode, high):
    w = high - low
    return 1 + 4 * (mode - low) / w, 1 + 4 * (high - mode) / w


@dataclass(frozen=True)
class Family:
    """A distribution family: parameter names (CLI order), checks, CDF and inverse CDF."""

    name: str
    params: tuple[str, ...]
    optional: tuple[str, ...]
    check: Callable[[dict[str, float]], str | None]
    cdf: Callable[[float, dict[str, float]], float]
    ppf: Callable[[np.ndarray, dict[str, float]], np.ndarray]
    describe: str


def _lognormal_params(p: dict[str, float]) -> tuple[float, float]:
    if "mu" in p:
        return p["mu"], p["sigma"]
    mean, sd = p["mean"], p["sd"]
    s2 = math.log1p((sd / mean) ** 2)
    return math.log(mean) - s2 / 2, math.sqrt(s2)


def _check_lognormal(p: dict[str, float]) -> str | None:
    if "mu" in p:
        return "needs sigma ≥ 0" if p["sigma"] < 0 else None
    if p["mean"] <= 0:
        return "needs mean > 0 (a lognormal variable is positive)"
    return "needs sd ≥ 0" if p["sd"] < 0 else None


def _point(u: np.ndarray, x: float) -> np.ndarray:
    return np.full_like(u, x)


DISTRIBUTIONS: dict[str, Family] = {
    f.name: f
    for f in [
        Family("triangular", ("low", "mode", "high"), (),
               lambda p: None if p["low"] <= p["mode"] <= p["high"] else "needs low ≤ mode ≤ high",
               lambda x, p: _tri_cdf(x, p["low"], p["mode"], p["high"]),
               lambda u, p: _tri_ppf(u, p["low"], p["mode"], p["high"]), "triangular:LOW:MODE:HIGH"),
        Family("uniform", ("low", "high"), (),
               lambda p: None if p["low"] <= p["high"] else "needs low ≤ high",
               lambda x, p: float(x >= p["low"]) if p["high"] == p["low"]
               else min(max((x - p["low"]) / (p["high"] - p["low"]), 0.0), 1.0),
               lambda u, p: p["low"] + u * (p["high"] - p["low"]), "uniform:LOW:HIGH"),
        Family("normal", ("mean", "sd"), (),
               lambda p: None if p["sd"] >= 0 else "needs sd ≥ 0",
               lambda x, p: float(x >= p["mean"]) if p["sd"] == 0 else float(special.ndtr((x - p["mean"]) / p["sd"])),
               lambda u, p: _point(u, p["mean"]) if p["sd"] == 0 else p["mean"] + p["sd"] * special.ndtri(u),
               "normal:MEAN:SD"),
        Family("lognormal", ("mu", "sigma"), (), _check_lognormal,
               lambda x, p: (0.0 if x <= 0 else
                             (float(math.log(x) >= _lognormal_params(p)[0]) if _lognormal_params(p)[1] == 0 else
                              float(special.ndtr((math.log(x) - _lognormal_params(p)[0]) / _lognormal_params(p)[1])))),
               lambda u, p: np.exp(_lognormal_params(p)[0] + _lognormal_params(p)[1] * special.ndtri(u))
               if _lognormal_params(p)[1] > 0 else _point(u, math.exp(_lognormal_params(p)[0])),
               "lognormal:MU:SIGMA (of log x)"),
        Family("beta", ("alpha", "beta"), ("low", "high"),
               lambda p: ("needs alpha > 0 and beta > 0" if p["alpha"] <= 0 or p["beta"] <= 0 else
                          "needs low ≤ high" if p["low"] > p["high"] else None),
               lambda x, p: float(x >= p["low"]) if p["high"] == p["low"] else
               float(special.betainc(p["alpha"], p["beta"], min(max((x - p["low"]) / (p["high"] - p["low"]), 0), 1))),
               lambda u, p: p["low"] + (p["high"] - p["low"]) * special.betaincinv(p["alpha"], p["beta"], u),
               "beta:ALPHA:BETA[:LOW:HIGH]"),
        Family("pert", ("low", "mode", "high"), (),
               lambda p: None if p["low"] <= p["mode"] <= p["high"] else "needs low ≤ mode ≤ high",
               lambda x, p: float(x >= p["low"]) if p["high"] == p["low"] else
               float(special.betainc(*_pert_ab(p["low"], p["mode"], p["high"]),
                                     min(max((x - p["low"]) / (p["high"] - p["low"]), 0), 1))),
               lambda u, p: _point(u, p["low"]) if p["high"] == p["low"] else
               p["low"] + (p["high"] - p["low"]) * special.betaincinv(*_pert_ab(p["low"], p["mode"], p["high"]), u),
               "pert:LOW:MODE:HIGH"),
        Family("fixed", ("value",), (), lambda p: None,
               lambda x, p: float(x >= p["value"]), lambda u, p: _point(u, p["value"]), "fixed:VALUE"),
    ]
}


@dataclass(frozen=True)
class Distribution:
    """A validated distribution of one input, truncated to the input's allowed range."""

    path: str
    family: str
    params: dict[str, float]
    lower: float  # effective bounds after the schema's
    upper: float
    u_lo: float  # CDF at the bounds: the uniforms are rescaled into [u_lo, u_hi]
    u_hi: float
    integer: bool

    @property
    def truncated_share(self) -> float:
        return 1.0 - (self.u_hi - self.u_lo)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Values for uniforms ``u`` in (0, 1): inverse CDF of the truncated distribution."""
        fam = DISTRIBUTIONS[self.family]
        x = fam.ppf(self.u_lo + u * (self.u_hi - self.u_lo), self.params)
        x = np.clip(x, self.lower, self.upper)  # rounding at the ends of the range
        return np.round(x) if self.integer else x

    def text(self) -> str:
        args = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{self.family}({args})"

    def to_dict(self) -> dict[str, Any]:
        return {"dist": self.family, **self.params}


def make_distribution(path: str, spec: Mapping[str, Any]) -> Distribution:
    """Validate ``{"dist": name, **params}`` for input ``path``; a ValueError naming the field and
    the parameter otherwise."""
    fs = schema.field_spec(path)
    if not fs.numeric:
        raise ValueError(f"{path}: Monte Carlo needs a numeric input, but this one takes {fs.range_text()}; "
                         "sweep it instead (finmodel sweep --grid)")
    if path == sweep.HORIZON:
        raise ValueError(f"{path} is the time axis and cannot be uncertain; run one Monte Carlo per horizon")
    if not isinstance(spec, Mapping):
        raise ValueError(f"{path}: a distribution is a table like {{dist = \"triangular\", low = .., mode = .., "
                         f"high = ..}}, got {spec!r}")
    spec = dict(spec)
    name = spec.pop("dist", None)
    if not isinstance(name, str):
        raise ValueError(f"{path}: missing 'dist' (one of {', '.join(DISTRIBUTIONS)})")
    fam = DISTRIBUTIONS.get(name.lower())
    if fam is None:
        close = difflib.get_close_matches(name.lower(), DISTRIBUTIONS, n=2, cutoff=0.5)
        hint = f"; did you mean {' or '.join(close)}?" if close else f"; known: {', '.join(DISTRIBUTIONS)}"
        raise ValueError(f"{path}: unknown distribution {name!r}{hint}")
    accepted = set(fam.params) | set(fam.optional)
    if fam.name == "lognormal" and ("mean" in spec or "sd" in spec):
        accepted = {"mean", "sd"}
        required: tuple[str, ...] = ("mean", "sd")
    else:
        required = fam.params
    unknown = sorted(set(spec) - accepted)
    if unknown:
        raise ValueError(f"{path}: {fam.name} has no parameter {unknown[0]!r} (it takes {', '.join(sorted(accepted))})")
    params: dict[str, float] = {}
    for k in required:
        if k not in spec:
            raise ValueError(f"{path}: {fam.name} needs parameter {k!r} ({fam.describe})")
    for k, v in spec.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)):
            raise ValueError(f"{path}: {fam.name} parameter {k!r} must be a finite number (got {v!r})")
        params[k] = float(v)
    if fam.name == "beta":
        params.setdefault("low", 0.0)
        params.setdefault("high", 1.0)
    problem = fam.check(params)
    if problem:
        shown = ", ".join(f"{k}={v:g}" for k, v in params.items())
        raise ValueError(f"{path}: {fam.name} {problem} (got {shown})")
    lower, upper = _bounds(fs)
    if lower > upper:  # pragma: no cover - schema bounds are consistent
        raise ValueError(f"{path}: empty allowed range")
    u_lo = _cdf_left(fam, params, lower)
    u_hi = fam.cdf(upper, params)
    if not (u_hi - u_lo >= MIN_MASS):
        raise ValueError(f"{path}: {fam.name}({', '.join(f'{k}={v:g}' for k, v in params.items())}) puts no "
                         f"probability inside the allowed range ({fs.range_text()})")
    return Distribution(path, fam.name, params, lower, upper, u_lo, u_hi, fs.kind == "int")


def _cdf_left(fam: Family, params: dict[str, float], x: float) -> float:
    """P(X < x): the CDF just below x (so a point mass at the lower bound is kept)."""
    return fam.cdf(np.nextafter(x, -np.inf), params)


def _bounds(fs: schema.FieldSpec) -> tuple[float, float]:
    return fs.closed_bounds()


def parse_dist(spec: str) -> tuple[str, dict[str, Any]]:
    """Parse ``PATH=NAME:P1:P2...`` (parameters in the order of :data:`DISTRIBUTIONS`)."""
    path, sep, rhs = spec.partition("=")
    path, rhs = path.strip(), rhs.strip()
    if not sep or not path or not rhs:
        raise ValueError(f"malformed distribution {spec!r}: expected PATH=NAME:P1:P2..., "
                         "e.g. heavy.occupancy=triangular:0.5:0.8:0.95")
    schema.field_spec(path)
    name, *args = [a.strip() for a in rhs.split(":")]
    fam = DISTRIBUTIONS.get(name.lower())
    if fam is None:
        close = difflib.get_close_matches(name.lower(), DISTRIBUTIONS, n=2, cutoff=0.5)
        hint = f"; did you mean {' or '.join(close)}?" if close else f"; known: {', '.join(DISTRIBUTIONS)}"
        raise ValueError(f"{path}: unknown distribution {name!r}{hint}")
    names = fam.params + fam.optional
    if not (len(fam.params) <= len(args) <= len(names)):
        raise ValueError(f"{path}: {fam.name} takes {len(fam.params)}"
                         + (f" or {len(names)}" if fam.optional else "")
                         + f" parameters ({fam.describe}), got {len(args)}")
    out: dict[str, Any] = {"dist": fam.name}
    for k, a in zip(names, args, strict=False):
        try:
            out[k] = float(a)
        except ValueError:
            raise ValueError(f"{path}: {fam.name} parameter {k!r} must be a number (got {a!r})") from None
    make_distribution(path, out)  # validate now: a clear error before any work
    return path, out


def load_dists(path: str | Path) -> tuple[dict[str, dict[str, Any]], list[tuple[str, str, float]]]:
    """Read distributions (and optional rank correlations) from a TOML file::

        [heavy.occupancy]
        dist = "triangular"
        low = 0.5
        mode = 0.8
        high = 0.95

        [heavy.price_cny_per_card_hour]
        dist = "normal"
        mean = 22.5
        sd = 2.0

        correlation = [["heavy.occupancy", "heavy.price_cny_per_card_hour", -0.4]]

    (``correlation`` must come before the first table in TOML; or write ``[[correlation]]`` tables
    with ``a``, ``b``, ``rho``.)"""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as err:
        raise ValueError(f"{p}: cannot read: {err.strerror}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{p}: not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{p}: broken TOML: {err}") from None
    corr_raw = data.pop("correlation", [])
    dists: dict[str, dict[str, Any]] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict) and "dist" in node:
            dists[prefix] = dict(node)
        elif isinstance(node, dict):
            for k, v in node.items():
                walk(f"{prefix}.{k}" if prefix else k, v)
        else:
            raise ValueError(f"{p}: {prefix} = {node!r}: expected a table with 'dist' and its parameters")

    walk("", data)
    corr: list[tuple[str, str, float]] = []
    if not isinstance(corr_raw, list):
        raise ValueError(f"{p}: correlation must be a list of [a, b, rho] or [[correlation]] tables")
    for item in corr_raw:
        if isinstance(item, dict) and set(item) == {"a", "b", "rho"}:
            item = [item["a"], item["b"], item["rho"]]
        if not (isinstance(item, list) and len(item) == 3 and all(isinstance(x, str) for x in item[:2])
                and isinstance(item[2], (int, float)) and not isinstance(item[2], bool)):
            raise ValueError(f"{p}: correlation entry {item!r}: expected [\"path a\", \"path b\", rho]")
        corr.append((item[0], item[1], float(item[2])))
    if not dists:
        raise ValueError(f"{p}: no distributions found (write tables like [heavy.occupancy] with dist = ...)")
    return dists, corr


def default_distributions(scenario: Scenario) -> dict[str, dict[str, Any]]:
    """A modest default set around the scenario's own values, used when none are given:
    occupancy triangular(base − 0.3, base, base), rental price triangular(−20 %, base, +10 %),
    server price triangular(−5 %, base, +15 %) and, for the bottom-up cost method, the electricity
    tariff triangular(−10 %, base, +30 %)."""
    h = scenario.heavy
    out: dict[str, dict[str, Any]] = {
        "heavy.occupancy": {"dist": "triangular", "low": max(0.0, h.occupancy - 0.3), "mode": h.occupancy,
                            "high": h.occupancy},
        "heavy.price_cny_per_card_hour": {"dist": "triangular", "low": 0.8 * h.price_cny_per_card_hour,
                                          "mode": h.price_cny_per_card_hour,
                                          "high": 1.1 * h.price_cny_per_card_hour},
        "heavy.server_price_cny": {"dist": "triangular", "low": 0.95 * h.server_price_cny,
                                   "mode": h.server_price_cny, "high": 1.15 * h.server_price_cny},
    }
    if h.cash_cost_method == "bottom_up" and h.energy_method == "metered":
        out["heavy.electricity_cny_per_kwh"] = {"dist": "triangular", "low": 0.9 * h.electricity_cny_per_kwh,
                                                "mode": h.electricity_cny_per_kwh,
                                                "high": 1.3 * h.electricity_cny_per_kwh}
    return out


# --------------------------------------------------------------------------- correlation
def correlation_matrix(paths: Sequence[str], pairs: Iterable[tuple[str, str, float]] | Mapping | np.ndarray | None
                       ) -> np.ndarray | None:
    """Spearman rank-correlation matrix of ``paths`` from ``(a, b, rho)`` pairs (or a full matrix,
    or ``{(a, b): rho}``); ``None`` when independent."""
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
        items = pairs.items() if isinstance(pairs, Mapping) else pairs
        m = np.eye(k)
        index = {p: i for i, p in enumerate(paths)}
        for entry in items:
            if isinstance(pairs, Mapping):
                (a, b), rho = entry
            else:
                a, b, rho = entry
            for name in (a, b):
                schema.field_spec(name)
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


def _mc_chunk(scenario: Scenario, dists: tuple[Distribution, ...], corr: np.ndarray | None, seed: int, start: int,
              stop: int, metrics: list[str], keep: bool) -> dict[str, np.ndarray]:
    """One chunk of a Monte Carlo run (a task for any engine)."""
    draws = sample(dists, seed, start, stop, corr)
    res = sweep.evaluate(scenario, draws, metrics)
    return {**draws, **res} if keep else res


# --------------------------------------------------------------------------- results
@dataclass
class MonteCarloResult:
    """Draws' results. ``values[metric]`` is an array (n,); ``draws`` a DataFrame (inputs and
    results) when requested; ``notes`` lists truncations and other remarks."""

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

    @functools.cached_property
    def summary(self) -> pd.DataFrame:
        """One row per result: deterministic base value, mean, sd, min, percentiles, max, and the
        share of NaN draws (``nan_means``: never / none / n/a)."""
        rows = []
        for p in self.metrics:
            info = sweep.metric_info(p)
            v = self.values[p]
            finite = v[np.isfinite(v)]
            ordered = np.where(np.isnan(v), np.inf, v) if info.nan_means == "never" else finite
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
        p = sweep.metric_path(metric)
        if p not in self.values:
            raise ValueError(f"{p} was not computed in this run (metrics: {', '.join(self.metrics)})")
        v = self.values[p]
        if sweep.metric_info(p).nan_means == "never":
            v = np.where(np.isnan(v), np.inf, v)
        ops = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}
        if op not in ops:
            raise ValueError(f"unknown comparison {op!r}: use <, <=, > or >=")
        return float(ops[op](v, value).mean()) if v.size else float("nan")

    def prob_payback_within(self, months: float, metric: str = "heavy.payback_months") -> float:
        """Probability that payback happens within ``months`` (never counts as not)."""
        return self.prob(metric, "<=", months)

    @property
    def prob_npv_negative(self) -> float:
        """Probability that the heavy-asset NPV is below zero."""
        return self.prob("heavy.npv_cny", "<", 0.0)


def run(scenario: Scenario, distributions: Mapping[str, Mapping[str, Any]] | None, n: int, seed: int, *,
        metrics: Sequence[str] = DEFAULT_METRICS, correlation: Any = None, keep_draws: bool = False,
        chunk_size: int = BLOCK, engine: str | sweep.Engine = "local", scheduler: str | None = None,
        progress: sweep.Progress | None = None) -> MonteCarloResult:
    """Monte Carlo of ``n`` draws.

    Parameters
    ----------
    scenario : base scenario; inputs without a distribution keep its values.
    distributions : ``{path: {"dist": name, **params}}`` (see the module doc); ``None`` = the
        :func:`default_distributions` of the scenario (a note says so).
    n : number of draws (> 0).
    seed : any non-negative integer; same seed and n → same draws on every engine and chunk size.
    metrics : result paths; heavy payback and NPV are always included.
    correlation : Spearman rank correlations: ``[(a, b, rho), ...]``, ``{(a, b): rho}`` or a matrix
        in the order of ``distributions``.
    keep_draws : also return every draw (inputs and results) as ``result.draws``.

    Returns
    -------
    MonteCarloResult
    """
    import time

    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
        raise ValueError(f"the number of draws must be a positive whole number (got {n!r})")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"the seed must be a non-negative whole number (got {seed!r})")
    notes: list[str] = []
    if distributions is None:
        distributions = default_distributions(scenario)
        notes.append("no distributions given: using the default set (" + "; ".join(
            f"{p} ~ {make_distribution(p, d).text()}" for p, d in distributions.items()) + ")")
    if not distributions:
        raise ValueError("no distributions given")
    dists = tuple(make_distribution(p, d) for p, d in distributions.items())
    for d in dists:
        if d.truncated_share > 0.01:
            notes.append(f"{d.path}: {d.truncated_share:.1%} of {d.text()} lies outside the allowed range "
                         f"[{d.lower:g}, {d.upper:g}] and was truncated")
    paths = [d.path for d in dists]
    corr = correlation_matrix(paths, correlation)
    _copula_factor(corr, paths)  # fail early on inconsistent correlations
    mets = sweep.metric_paths(list(sweep.metric_paths(metrics)) + ["heavy.payback_months", "heavy.npv_cny"])
    if chunk_size >= BLOCK:  # whole RNG blocks per chunk: no normals drawn twice
        chunk_size = (int(chunk_size) // BLOCK) * BLOCK
    base = {p: float(v[0]) for p, v in sweep.evaluate(scenario, {}, mets).items()}
    t0 = time.perf_counter()
    parts: list[dict[str, np.ndarray]] = []
    eng = sweep.get_engine(engine, scheduler)
    try:
        tasks = [(scenario, dists, corr, int(seed), a, b, mets, keep_draws) for a, b in sweep._chunks(n, chunk_size)]
        for part in eng.map(_mc_chunk, tasks):
            parts.append(part)
            if progress is not None:
                progress(len(next(iter(part.values()))))
    finally:
        if eng is not engine:
            eng.close()
    values = {p: np.concatenate([pt[p] for pt in parts]) for p in mets}
    draws = None
    if keep_draws:
        draws = pd.DataFrame({**{p: np.concatenate([pt[p] for pt in parts]) for p in paths}, **values})
    return MonteCarloResult(n=int(n), seed=int(seed), metrics=mets, distributions={d.path: d for d in dists},
                            correlation=corr, values=values, base=base, draws=draws, notes=notes,
                            seconds=time.perf_counter() - t0)
