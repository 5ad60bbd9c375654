"""Distributions of uncertain inputs for Monte Carlo: families, validation against the schema,
the CLI's ``PATH=NAME:P1:P2`` and ``A,B=RHO`` forms, and distribution files.

``{"dist": name, parameters}``; CLI ``name:p1:p2:...`` in this order:
``triangular: low, mode, high`` · ``uniform: low, high`` · ``normal: mean, sd`` ·
``lognormal: mu, sigma`` (of log x; or ``mean``/``sd`` of x itself) ·
``beta: alpha, beta[, low, high]`` (scaled to [low, high], default [0, 1]) ·
``pert: low, mode, high`` (beta-PERT, λ = 4) · ``fixed: value``.
Zero width (sd = 0, low = high) is a point mass.

**Schema bounds: truncation.** A distribution reaching outside an input's allowed range is
truncated to it (:class:`Distribution` rescales the uniforms into ``[F(lower), F(upper)]``); a
distribution with (almost) nothing inside the range is an error. Integer inputs are rounded.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import special

from finmodel import schema
from finmodel.analysis.grid import On, split_assignment
from finmodel.analysis.subject import HORIZON, subject
from finmodel.schema import Scenario
from finmodel.schema.errors import clip, show_value

__all__ = [
    "DISTRIBUTIONS",
    "Family",
    "Distribution",
    "make_distribution",
    "parse_dist",
    "parse_corr",
    "load_dists",
    "default_distributions",
]

MIN_MASS = 1e-9  # a distribution with less probability inside the allowed range is an error
Pair = tuple[str, str, float]  # (input a, input b, Spearman rank correlation)


# --------------------------------------------------------------------------- families
def _tri_ppf(u: np.ndarray, low: float, mode: float, high: float) -> np.ndarray:
    w = high - low
    if w == 0:
        return np.full_like(u, low)
    c = (mode - low) / w
    return np.where(u < c, low + np.sqrt(u * w * (mode - low)), high - np.sqrt((1 - u) * w * (high - mode)))


def _tri_cdf(x: float, low: float, mode: float, high: float) -> float:
    if high == low:
        return float(x >= low)
    if x <= low:
        return 0.0
    if x >= high:
        return 1.0
    if x <= mode:
        return (x - low) ** 2 / ((high - low) * (mode - low))
    return 1 - (high - x) ** 2 / ((high - low) * (high - mode))


def _pert_ab(low: float, mode: float, high: float) -> tuple[float, float]:
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


def make_distribution(path: str, spec: Mapping[str, Any], on: On = None) -> Distribution:
    """Validate ``{"dist": name, **params}`` for input ``path`` (``on`` a portfolio: one of its
    paths); a ValueError naming the field and the parameter otherwise."""
    fs = subject(on).field_spec(path)
    if not fs.numeric:
        raise ValueError(f"{path}: Monte Carlo needs a numeric input, but this one takes {fs.range_text()}; "
                         "sweep it instead (finmodel sweep --grid)")
    if path == HORIZON:
        raise ValueError(f"{path} is the time axis and cannot be uncertain; run one Monte Carlo per horizon")
    if not isinstance(spec, Mapping):
        raise ValueError(f"{path}: a distribution is a table like {{dist = \"triangular\", low = .., mode = .., "
                         f"high = ..}}, got {show_value(spec)}")
    spec = dict(spec)
    name = spec.pop("dist", None)
    if not isinstance(name, str):
        raise ValueError(f"{path}: missing 'dist' (one of {', '.join(DISTRIBUTIONS)})")
    fam = _family(path, name)
    params = _params(path, fam, spec)
    problem = fam.check(params)
    if problem:
        shown = ", ".join(f"{k}={v:g}" for k, v in params.items())
        raise ValueError(f"{path}: {fam.name} {problem} (got {shown})")
    lower, upper = fs.closed_bounds()
    if lower > upper:  # pragma: no cover - schema bounds are consistent
        raise ValueError(f"{path}: empty allowed range")
    shown = f"{fam.name}({', '.join(f'{k}={v:g}' for k, v in params.items())})"
    too_wide = (f"{path}: {shown} cannot be computed in floating point (its parameters are too far apart); give "
                f"parameters near the allowed range ({fs.range_text()})")
    if "low" in params and not math.isfinite(params["high"] - params["low"]):
        raise ValueError(too_wide)
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            u_lo = _cdf_left(fam, params, lower)
            u_hi = fam.cdf(upper, params)
            if not (u_hi - u_lo >= MIN_MASS):
                raise ValueError(f"{path}: {shown} puts no probability inside the allowed range ({fs.range_text()})")
            dist = Distribution(path, fam.name, params, lower, upper, u_lo, u_hi, fs.kind == "int")
            probe = dist.ppf(np.array([0.25, 0.5, 0.75]))
    except (OverflowError, FloatingPointError, ZeroDivisionError):
        raise ValueError(too_wide) from None
    if not np.all(np.isfinite(probe)):
        raise ValueError(too_wide)
    return dist


def _family(path: str, name: str) -> Family:
    """The family called ``name`` (any case), or a ValueError suggesting close names."""
    fam = DISTRIBUTIONS.get(name.lower())
    if fam is None:
        close = difflib.get_close_matches(name.lower(), DISTRIBUTIONS, n=2, cutoff=0.5)
        hint = f"; did you mean {' or '.join(close)}?" if close else f"; known: {', '.join(DISTRIBUTIONS)}"
        raise ValueError(f"{path}: unknown distribution {show_value(name)}{hint}")
    return fam


def _params(path: str, fam: Family, spec: Mapping[str, Any]) -> dict[str, float]:
    """The family's parameters from ``spec`` as floats: none unknown, none missing, all finite."""
    accepted = set(fam.params) | set(fam.optional)
    if fam.name == "lognormal" and ("mean" in spec or "sd" in spec):
        accepted = {"mean", "sd"}
        required: tuple[str, ...] = ("mean", "sd")
    else:
        required = fam.params
    unknown = sorted(set(spec) - accepted)
    if unknown:
        raise ValueError(f"{path}: {fam.name} has no parameter {show_value(unknown[0])} (it takes "
                         f"{', '.join(sorted(accepted))})")
    params: dict[str, float] = {}
    for k in required:
        if k not in spec:
            raise ValueError(f"{path}: {fam.name} needs parameter {k!r} ({fam.describe})")
    for k, v in spec.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)):
            raise ValueError(f"{path}: {fam.name} parameter {k!r} must be a finite number (got {show_value(v)})")
        params[k] = float(v)
    if fam.name == "beta":
        params.setdefault("low", 0.0)
        params.setdefault("high", 1.0)
    return params


def _cdf_left(fam: Family, params: dict[str, float], x: float) -> float:
    """P(X < x): the CDF just below x (so a point mass at the lower bound is kept)."""
    return fam.cdf(np.nextafter(x, -np.inf), params)


# --------------------------------------------------------------------------- the CLI's forms and files
def parse_dist(spec: str, on: On = None) -> tuple[str, dict[str, Any]]:
    """Parse ``PATH=NAME:P1:P2...`` (parameters in the order of :data:`DISTRIBUTIONS`; ``on`` a
    portfolio for its paths)."""
    path, rhs = split_assignment(spec, f"malformed distribution {spec!r}: expected PATH=NAME:P1:P2..., "
                                       "e.g. heavy.occupancy=triangular:0.5:0.8:0.95")
    subj = subject(on)
    subj.field_spec(path)
    name, *args = [a.strip() for a in rhs.split(":")]
    fam = _family(path, name)
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
            raise ValueError(f"{path}: {fam.name} parameter {k!r} must be a number (got {show_value(a)})") from None
    make_distribution(path, out, subj)  # validate now: a clear error before any work
    return path, out


def parse_corr(spec: str) -> Pair:
    """Parse the CLI's ``--corr A,B=RHO`` (a Spearman rank correlation of inputs A and B), e.g.
    ``heavy.occupancy,heavy.price_cny_per_card_hour=-0.4``; the inputs are checked when the
    correlation matrix is built (:func:`finmodel.analysis.montecarlo.correlation_matrix`)."""
    lhs, sep, rho = spec.partition("=")
    names = [x.strip() for x in lhs.split(",")]
    try:
        if not sep or len(names) != 2 or not all(names):
            raise ValueError
        return names[0], names[1], float(rho)
    except ValueError:
        raise ValueError(f"malformed --corr {spec!r}: expected A,B=RHO, e.g. "
                         "heavy.occupancy,heavy.price_cny_per_card_hour=-0.4") from None


def load_dists(path: str | Path) -> tuple[dict[str, dict[str, Any]], list[Pair]]:
    """Read distributions (and optional rank correlations) from a TOML file (UTF-8, at most 1 MB,
    like scenario files)::

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
    data = schema.parse_toml_text(schema.read_input(p), str(p))  # guarded: size, file type, nesting
    corr_raw = data.pop("correlation", [])
    dists: dict[str, dict[str, Any]] = {}
    _collect(p, "", data, dists)
    corr = _correlations(p, corr_raw)
    if not dists:
        raise ValueError(f"{p}: no distributions found (write tables like [heavy.occupancy] with dist = ...)")
    return dists, corr


def _collect(p: Path, prefix: str, node: Any, dists: dict[str, dict[str, Any]]) -> None:
    """Tables with a ``dist`` key, by their dotted path (``[heavy.occupancy]`` → ``heavy.occupancy``)."""
    if isinstance(node, dict) and "dist" in node:
        dists[prefix] = dict(node)
    elif isinstance(node, dict):
        for k, v in node.items():
            _collect(p, f"{prefix}.{k}" if prefix else k, v, dists)
    else:
        raise ValueError(f"{p}: {clip(prefix, 80)} = {show_value(node)}: expected a table with 'dist' and its "
                         "parameters")


def _correlations(p: Path, raw: Any) -> list[Pair]:
    """``[a, b, rho]`` lists or ``{a, b, rho}`` tables as pairs."""
    if not isinstance(raw, list):
        raise ValueError(f"{p}: correlation must be a list of [a, b, rho] or [[correlation]] tables")
    corr: list[Pair] = []
    for item in raw:
        if isinstance(item, dict) and set(item) == {"a", "b", "rho"}:
            item = [item["a"], item["b"], item["rho"]]
        if not (isinstance(item, list) and len(item) == 3 and all(isinstance(x, str) for x in item[:2])
                and isinstance(item[2], (int, float)) and not isinstance(item[2], bool)):
            raise ValueError(f"{p}: correlation entry {show_value(item)}: expected [\"path a\", \"path b\", rho]")
        corr.append((item[0], item[1], float(item[2])))
    return corr


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
