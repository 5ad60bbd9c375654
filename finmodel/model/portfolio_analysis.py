"""The portfolio side of sweeps, tornado, goal seek and Monte Carlo: (portfolio, overrides) → results.

The analysis layer (``finmodel.analysis``) evaluates a scenario through one function,
``sweep.evaluate(scenario, overrides, metrics) -> {metric: array (n,)}``. :func:`evaluate` is the
same contract for a portfolio, so every analysis can run on either once it dispatches on the base
(see ``docs/portfolio.md``, "Hooks"):

* inputs are portfolio paths (:func:`finmodel.schema.portfolio.field_spec`): ``general.*``,
  ``company.*``, ``shocks.price_factor`` (all rental prices × f) and the other company-wide shocks,
  ``cohorts.<name>.purchase_month`` and ``cohorts.<name>.heavy.price_cny_per_card_hour``;
* results are ``company.<key>`` (a bare key means the company's) or ``cohorts.<name>.<key>`` for a
  cohort's stand-alone result or share (:data:`~finmodel.model.portfolio_items.COHORT_KPIS`).

>>> from finmodel.schema import portfolio
>>> p = portfolio.load("assumptions/portfolio/h800_lots.toml")
>>> out = evaluate(p, {"shocks.price_factor": [1.0, 1.5]}, ["company.npv_cny"])
>>> bool(out["company.npv_cny"][1] > out["company.npv_cny"][0])
True
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from finmodel.model import portfolio_items as pi
from finmodel.model.portfolio import evaluate_batch
from finmodel.model.portfolio_inputs import inputs, tranches
from finmodel.model.results import MetricInfo, UnknownMetricError
from finmodel.schema.portfolio import Portfolio

#: What portfolio sweeps, tornado and Monte Carlo report unless told otherwise.
DEFAULT_METRICS: tuple[str, ...] = ("company.payback_months", "company.npv_cny", "company.irr",
                                    "company.peak_funding_cny")
#: Cells per monthly line held at once (variants × tranches × months): bounds a chunk's memory.
CHUNK_CELLS = 300_000

_INPUT_KEYS = frozenset(i.key for i in pi.INPUTS)
#: The company's results: every computed one-number item (peak funding sits among the cash-flow lines).
_COMPANY = {i.key: i for i in pi.ROLLUP if i.kind == "scalar" and i.key not in _INPUT_KEYS}
_COHORT = {i.key: i for i in [*_COMPANY.values(), *pi.SHARES] if i.key in pi.COHORT_KPIS}


def metric_path(p: Portfolio, name: str) -> str:
    """Full path of a portfolio result name: ``npv_cny`` → ``company.npv_cny``; ``cohorts.lot1.irr``
    as is. Raises :class:`UnknownMetricError` with close matches."""
    name = name.strip()
    head, _, rest = name.partition(".")
    if head == "cohorts":
        cohort, _, key = rest.partition(".")
        names = [c.name for c in p.cohorts]
        if cohort in names and key in _COHORT:
            return name
        pool = [f"cohorts.{c}.{k}" for c in names for k in _COHORT]
    else:
        key = rest if head == "company" else name
        if key in _COMPANY:
            return f"company.{key}"
        pool = [f"company.{k}" for k in _COMPANY]
    close = difflib.get_close_matches(name, pool, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else "; e.g. company.npv_cny, cohorts.<name>.irr"
    raise UnknownMetricError(f"unknown portfolio result {name!r}{hint}")


def metric_paths(p: Portfolio, names: Iterable[str] | str | None) -> list[str]:
    """Resolved result names (default :data:`DEFAULT_METRICS`), without duplicates, in order."""
    names = DEFAULT_METRICS if names is None else [names] if isinstance(names, str) else names
    out = list(dict.fromkeys(metric_path(p, n) for n in names))
    if not out:
        raise UnknownMetricError("no results chosen")
    return out


def metric_info(p: Portfolio, path: str) -> MetricInfo:
    """Labels, unit, display format and NaN meaning of a portfolio result (like ``results.metric_info``)."""
    path = metric_path(p, path)
    head, _, rest = path.partition(".")
    model, key = ("company", rest) if head == "company" else (f"cohorts.{rest.partition('.')[0]}",
                                                               rest.partition(".")[2])
    it = (_COMPANY if head == "company" else _COHORT)[key]
    return MetricInfo(path, model, key, it.en, it.zh, it.unit, it.fmt, it.nan_means)


def evaluate(p: Portfolio, overrides: Mapping[str, Any] | None, metrics: Sequence[str]) -> dict[str, np.ndarray]:
    """Results of ``p`` with some inputs replaced by arrays (n,), in chunks of bounded memory.

    The contract of ``finmodel.analysis.sweep.evaluate``: result path → array (n,); raises
    ``schema.ScenarioError`` naming the cohort and field for values out of range, and
    ``schema.UnknownFieldError`` for unknown paths."""
    mets = metric_paths(p, metrics)
    company = [m.partition(".")[2] for m in mets if m.startswith("company.")]
    cohort_keys = sorted({m.split(".", 2)[2] for m in mets if m.startswith("cohorts.")})
    ov = dict(overrides or {})
    n = max((int(np.size(v)) for v in ov.values() if np.ndim(v) > 0), default=1)
    inputs(p, ov)  # every value checked before any work starts
    chunk = max(1, CHUNK_CELLS // (len(tranches(p)) * (p.horizon_months + 1)))
    out = {m: np.empty(n) for m in mets}
    names = [c.name for c in p.cohorts]
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        part = {k: (np.asarray(v)[a:b] if np.ndim(v) > 0 else v) for k, v in ov.items()}
        res = evaluate_batch(p, part, company=company, cohorts=cohort_keys)
        for m in mets:
            head, _, rest = m.partition(".")
            if head == "company":
                out[m][a:b] = res.company[rest]
            else:
                cohort, _, key = rest.partition(".")
                out[m][a:b] = res.cohorts[key][:, names.index(cohort)]
    return out


def check(p: Portfolio, path: str, values: Any) -> None:
    """Check values of one portfolio input (raises ``schema.ScenarioError`` / ``UnknownFieldError``)."""
    inputs(p, {path: values})


def tornado_fields(p: Portfolio) -> list[str]:
    """Default tornado inputs of a portfolio: the company-wide shocks, the company's lines and loan
    that are set, and each cohort's price, occupancy and capex (or buy price) and purchase month."""
    out = [f"shocks.{k}" for k in p.shocks.model_dump()]
    out += [f"company.{k}" for k, v in p.company.model_dump().items() if k.endswith("_cny_per_month") and v > 0]
    for c in p.cohorts:
        own = ("heavy.price_cny_per_card_hour", "heavy.occupancy", "heavy.server_price_cny") if c.model == "heavy" \
            else ("light.buy_price_cny_per_p_year", "light.occupancy")
        out += [f"cohorts.{c.name}.{k}" for k in own]
        if not any(o.successor == c.name for o in p.cohorts):
            out.append(f"cohorts.{c.name}.purchase_month")
    return out
