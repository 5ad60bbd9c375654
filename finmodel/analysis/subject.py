"""What an analysis runs on — a scenario or a portfolio — behind one small interface.

Sweeps, tornado, goal seek and Monte Carlo take a :class:`~finmodel.schema.Scenario` or a
:class:`~finmodel.schema.portfolio.Portfolio` as their base. :func:`subject` wraps it, and every
question an analysis asks goes through the wrapper, so each analysis has one code path for both:

=================  ========================================  ==============================================
question           scenario                                  portfolio
=================  ========================================  ==============================================
an input path      ``heavy.occupancy`` (``schema.FIELDS``)    ``shocks.price_factor``, ``company.*``,
                                                             ``cohorts.<name>.heavy.price_cny_per_card_hour``
                                                             (``schema.portfolio.field_spec``)
values allowed     the schema bounds (``model.batch_params``)  ``model.portfolio_analysis.check`` (cohort and
                                                             field named; purchase months before the horizon)
base value         ``Scenario.get``                          ``Portfolio.get``
evaluate n rows    ``model.batch_params`` + ``evaluate_batch``  ``model.portfolio_analysis.evaluate``
result names       ``heavy.payback_months`` (``results``)      ``company.payback_months``, ``cohorts.<name>.irr``
default results    ``results.DEFAULT_METRICS`` (+ light)       ``portfolio_analysis.DEFAULT_METRICS``
default tornado    every numeric input that is set            ``portfolio_analysis.tornado_fields``
default draws      ``distributions.default_distributions``     the company-wide shocks (:func:`shock_distributions`)
``--set`` values   ``Scenario.replace`` (text converted)       ``Portfolio.replace`` (numbers from text)
=================  ========================================  ==============================================

The time axis ``general.horizon_months`` is one value per batch for both; :func:`evaluate` groups
rows by horizon.

>>> from finmodel.schema import portfolio
>>> s = subject(portfolio.load("assumptions/portfolio/h800_lots.toml"))
>>> s.metric_path("payback_months"), s.field_spec("cohorts.lot_jan_2024.heavy.occupancy").unit
('company.payback_months', 'fraction of hours')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, cast

import numpy as np

from finmodel import model, schema
from finmodel.model import display, results
from finmodel.model import portfolio_analysis as pa
from finmodel.model.results import MetricInfo
from finmodel.schema import Scenario
from finmodel.schema import portfolio as pf
from finmodel.schema.portfolio import Portfolio

__all__ = ["HORIZON", "Base", "Subject", "ScenarioSubject", "PortfolioSubject", "subject", "evaluate",
           "check_values", "scenario_tornado_fields", "shock_distributions", "declared"]

HORIZON = "general.horizon_months"
#: Structural inputs left out of a scenario's default tornado: the fleet's scale and configuration,
#: the calendar and hardware specs are decisions or facts, not uncertain drivers (±20 % of 8 cards
#: per server is not a scenario). They can still be named explicitly.
STRUCTURAL = frozenset({"heavy.servers", "heavy.cards_per_server", "general.hours_per_year", "light.tflops_per_card",
                        "light.p_per_server_override"})


class Subject(Protocol):
    """The questions an analysis asks about its base (see the module doc for both answers)."""

    kind: ClassVar[str]  # "scenario" or "portfolio": the key of the base's name in JSON output
    default_metrics: ClassVar[tuple[str, ...]]
    payback_metric: ClassVar[str]  # always in a Monte Carlo run: P(payback ≤ N months)
    npv_metric: ClassVar[str]  # always in a Monte Carlo run: P(NPV < 0)

    @property
    def name(self) -> str: ...
    def field_spec(self, path: str) -> schema.FieldSpec: ...
    def check(self, path: str, values: Any) -> None: ...
    def get(self, path: str) -> Any: ...
    def evaluate_batch(self, overrides: Mapping[str, Any], metrics: list[str]) -> dict[str, np.ndarray]: ...
    def metric_path(self, name: str) -> str: ...
    def metric_paths(self, names: Iterable[str] | str | None, default: Sequence[str] | None = None) -> list[str]: ...
    def metric_info(self, path: str) -> MetricInfo: ...
    def sweep_metrics(self, paths: Iterable[str]) -> list[str]: ...
    def tornado_fields(self) -> list[str]: ...
    def default_distributions(self) -> dict[str, dict[str, Any]]: ...
    def replace(self, changes: Mapping[str, Any]) -> Subject: ...


#: What an analysis runs on: a scenario, a portfolio, or either already wrapped by :func:`subject`.
Base = Scenario | Portfolio | Subject


@dataclass(frozen=True)
class ScenarioSubject:
    """A scenario as the analyses see it; ``base=None`` answers path and result questions only
    (values are checked against the schema bounds, as for any scenario)."""

    base: Scenario | None = None
    kind: ClassVar[str] = "scenario"
    default_metrics: ClassVar[tuple[str, ...]] = results.DEFAULT_METRICS
    payback_metric: ClassVar[str] = "heavy.payback_months"
    npv_metric: ClassVar[str] = "heavy.npv_cny"

    @property
    def scenario(self) -> Scenario:
        return self.base if self.base is not None else schema.default()

    @property
    def name(self) -> str:
        return self.scenario.name

    def field_spec(self, path: str) -> schema.FieldSpec:
        return schema.field_spec(path)

    def check(self, path: str, values: Any) -> None:
        model.batch_params(schema.default(), {path: values})

    def get(self, path: str) -> Any:
        return self.scenario.get(path)

    def evaluate_batch(self, overrides: Mapping[str, Any], metrics: list[str]) -> dict[str, np.ndarray]:
        params, h = model.batch_params(self.scenario, overrides)
        res = model.evaluate_batch(params, h, outputs=metrics)
        out = {}
        for p in metrics:
            name, key = results.split(p)
            out[p] = np.broadcast_to(getattr(res, name)[key], (res.n,)).copy()
        return out

    def metric_path(self, name: str) -> str:
        return results.metric_path(name)

    def metric_paths(self, names: Iterable[str] | str | None, default: Sequence[str] | None = None) -> list[str]:
        return results.metric_paths(names, self.default_metrics if default is None else default)

    def metric_info(self, path: str) -> MetricInfo:
        return results.metric_info(path)

    def sweep_metrics(self, paths: Iterable[str]) -> list[str]:
        """The default results, plus ``light.DEFAULT_METRICS`` (spread and payback) when light
        inputs vary."""
        out = list(self.default_metrics)
        if any(p.startswith("light.") for p in paths):
            out += results.LIGHT_METRICS
        return out

    def tornado_fields(self) -> list[str]:
        return scenario_tornado_fields(self.scenario)

    def default_distributions(self) -> dict[str, dict[str, Any]]:
        from finmodel.analysis.distributions import default_distributions

        return default_distributions(self.scenario)

    def replace(self, changes: Mapping[str, Any]) -> ScenarioSubject:
        """``--set``: text values are converted by the schema (``strict=False``)."""
        return ScenarioSubject(self.scenario.replace(dict(changes), strict=False) if changes else self.base)


@dataclass(frozen=True)
class PortfolioSubject:
    """A portfolio as the analyses see it (the hooks of ``docs/portfolio.md``)."""

    base: Portfolio
    kind: ClassVar[str] = "portfolio"
    default_metrics: ClassVar[tuple[str, ...]] = pa.DEFAULT_METRICS
    payback_metric: ClassVar[str] = "company.payback_months"
    npv_metric: ClassVar[str] = "company.npv_cny"

    @property
    def name(self) -> str:
        return self.base.name

    def field_spec(self, path: str) -> schema.FieldSpec:
        """The declaration of a portfolio path; a cohort the file does not have, or a scenario
        path without its cohort, is an :class:`~finmodel.schema.UnknownFieldError` saying what to
        write instead."""
        if path in schema.FIELDS and not path.startswith("general."):
            names = [c.name for c in self.base.cohorts]
            shocks = [f"shocks.{k}" for k, paths in pf.SHOCKED.items() if path in paths]
            raise schema.UnknownFieldError(
                f"{path} is a scenario input: in a portfolio it belongs to a cohort, e.g. cohorts.{names[0]}.{path} "
                f"(cohorts: {', '.join(names)})" + (f"; all cohorts at once: {shocks[0]}" if shocks else "")
                + "; portfolio inputs are general.*, company.*, shocks.* and cohorts.<name>.*")
        spec = pf.field_spec(path)
        if path.startswith("cohorts."):
            self.base.cohort(path.split(".")[1])
        return spec

    def check(self, path: str, values: Any) -> None:
        self.field_spec(path)
        pa.check(self.base, path, values)

    def get(self, path: str) -> Any:
        return self.base.get(path)

    def evaluate_batch(self, overrides: Mapping[str, Any], metrics: list[str]) -> dict[str, np.ndarray]:
        return pa.evaluate(self.base, overrides, metrics)

    def metric_path(self, name: str) -> str:
        return pa.metric_path(self.base, name)

    def metric_paths(self, names: Iterable[str] | str | None, default: Sequence[str] | None = None) -> list[str]:
        return pa.metric_paths(self.base, (self.default_metrics if default is None else default) if names is None
                               else names)

    def metric_info(self, path: str) -> MetricInfo:
        return pa.metric_info(self.base, path)

    def sweep_metrics(self, paths: Iterable[str]) -> list[str]:
        return list(self.default_metrics)

    def tornado_fields(self) -> list[str]:
        return pa.tornado_fields(self.base)

    def default_distributions(self) -> dict[str, dict[str, Any]]:
        return shock_distributions(self.base)

    def replace(self, changes: Mapping[str, Any]) -> PortfolioSubject:
        """``--set``: text values of numeric inputs are read as numbers first (a portfolio file's
        values are typed, as in TOML); anything else is left to the schema to name."""
        typed = {path: _typed(self.field_spec(path), v) for path, v in changes.items()}
        return PortfolioSubject(self.base.replace(typed)) if typed else self


def _typed(spec: schema.FieldSpec, value: Any) -> Any:
    if not (isinstance(value, str) and spec.numeric):
        return value
    try:
        x = float(value)
    except ValueError:
        return value  # the schema says: wrong type, allowed …
    return int(x) if spec.kind == "int" and x.is_integer() else x


def subject(base: Base | None) -> Subject:
    """The analysis view of a base: a scenario, a portfolio (or a subject, returned as is); None =
    the schema's defaults (path and result questions only)."""
    if isinstance(base, Portfolio):
        return PortfolioSubject(base)
    if base is None or isinstance(base, Scenario):
        return ScenarioSubject(base)
    if isinstance(base, (ScenarioSubject, PortfolioSubject)):
        return base
    raise TypeError(f"an analysis runs on a Scenario or a Portfolio, not {type(base).__name__}")


# --------------------------------------------------------------------------- shared by the analyses
def evaluate(subj: Subject, overrides: Mapping[str, Any] | None, metrics: list[str]) -> dict[str, np.ndarray]:
    """Results (path → array (n,)) of the base with some inputs replaced by arrays; rows with
    different horizons cannot share a time axis, so each horizon value is one batch."""
    ov = dict(overrides or {})
    horizon = ov.get(HORIZON)
    if horizon is None or np.ndim(horizon) == 0 or np.unique(np.asarray(horizon, dtype=float)).size <= 1:
        return subj.evaluate_batch(ov, metrics)
    hz = np.asarray(horizon, dtype=float)
    out = {p: np.empty(hz.size) for p in metrics}
    for h in np.unique(hz):
        idx = np.flatnonzero(hz == h)
        sub = {k: (np.asarray(v, dtype=object if np.asarray(v).dtype.kind in "USO" else float)[idx]
                   if np.ndim(v) > 0 else v) for k, v in ov.items()}
        sub[HORIZON] = h
        for p, v in subj.evaluate_batch(sub, metrics).items():
            out[p][idx] = v
    return out


def check_values(subj: Subject, path: str, values: Any) -> None:
    """Check values of one input (raises :class:`schema.ScenarioError`); horizons one by one."""
    if path == HORIZON:  # one horizon per batch: check each value on its own
        for v in np.unique(np.asarray(values, dtype=float)):
            subj.check(path, v)
    else:
        subj.check(path, values)


def scenario_tornado_fields(scenario: Scenario) -> list[str]:
    """Candidate inputs for a scenario's default tornado: every numeric input that is set (optional
    inputs left empty are skipped), except the horizon and the :data:`STRUCTURAL` inputs."""
    return [path for path, fs in schema.FIELDS.items()
            if fs.numeric and path != HORIZON and path not in STRUCTURAL and scenario.get(path) is not None]


def shock_distributions(p: Portfolio) -> dict[str, dict[str, Any]]:
    """A portfolio's default Monte Carlo draws: the company-wide shocks around the file's values,
    with the shapes of a scenario's default set (``distributions.default_distributions``) —
    all rental prices triangular(−20 %, base, +10 %), all occupancies triangular(−30 %, base, base),
    all server capex triangular(−5 %, base, +15 %); all electricity tariffs triangular(−10 %, base,
    +30 %) when a heavy cohort is metered bottom-up; all capacity buy prices triangular(−5 %, base,
    +15 %) when there is a light book. Modest, not calibrated: give your own with ``--dist``."""
    def tri(key: str, low: float, high: float) -> dict[str, Any]:
        base = float(getattr(p.shocks, key))
        return {"dist": "triangular", "low": low * base, "mode": base, "high": high * base}

    out = {"shocks.price_factor": tri("price_factor", 0.8, 1.1),
           "shocks.occupancy_factor": tri("occupancy_factor", 0.7, 1.0)}
    if any(c.model == "heavy" for c in p.cohorts):
        out["shocks.capex_factor"] = tri("capex_factor", 0.95, 1.15)
    if any(c.model == "heavy" and c.scenario.heavy.cash_cost_method == "bottom_up"
           and c.scenario.heavy.energy_method == "metered" for c in p.cohorts):
        out["shocks.electricity_factor"] = tri("electricity_factor", 0.9, 1.3)
    if any(c.model == "light" for c in p.cohorts):
        out["shocks.buy_price_factor"] = tri("buy_price_factor", 0.95, 1.15)
    return out


def declared(info: MetricInfo | display.InputUnit) -> display.Declared:
    """A result's (or an input unit's) declaration as ``model.display`` reads it. Both are frozen
    dataclasses (their fields are read-only) and ``display.Declared`` declares writable attributes,
    which pyright refuses to match; a protocol of read-only properties there would make this cast
    unnecessary."""
    return cast("display.Declared", info)
