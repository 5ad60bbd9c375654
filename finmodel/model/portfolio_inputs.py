"""The inputs of ``n`` variants of a portfolio: dotted-path overrides checked, cohorts split into
delivery tranches, every tranche's engine inputs as arrays over the ``n`` variants.

A cohort is one engine row (a *tranche*), or two when it has delivery slippage: the share
``1 − late_share`` of its servers arrives after the scenario's lead time, the share ``late_share``
``slip_months`` later. Each tranche carries its share of the cohort's servers and of its fixed
costs (``heavy.staff_cny_per_month``, ``heavy.other_cny_per_month``); everything else in the
heavy model is per server, per card-hour or a share of capex, so the two rows add up to the cohort.
Capex is paid in full at the purchase month (the lots of deals.md B5 were paid before delivery).

Paths (:func:`finmodel.schema.portfolio.field_spec`): ``general.*`` (the company's; the horizon is
the time axis of a batch, one value), ``company.*``, ``shocks.*``, ``cohorts.<name>.<timing>`` and
``cohorts.<name>.heavy|light.<input>``. What decides a batch's *structure* — which cohorts exist,
which have slippage, which are retired — comes from the file and cannot vary within a batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from finmodel import schema
from finmodel.model.run import batch_params
from finmodel.schema.portfolio import CAPPED_AT_ONE, LIGHT_READS_HEAVY, SHOCKED, Cohort, Portfolio, field_spec

HORIZON = "general.horizon_months"
#: A tranche's share of these cohort inputs (the rest are per server, per hour or shares).
SCALED = ("heavy.servers", "heavy.staff_cny_per_month", "heavy.other_cny_per_month")
TIMING = ("purchase_month", "slip_months", "late_share", "retire_month", "resale_share_of_book")


@dataclass(frozen=True)
class Tranche:
    """One engine row of a cohort: all of it, its on-time share, or its late share."""

    cohort: int  # index in Portfolio.cohorts
    model: str
    late: bool = False


@dataclass
class Inputs:
    """Everything the portfolio engine needs for ``n`` variants of one portfolio.

    ``purchase`` and ``end`` are (n, k) company months per cohort, ``retired`` (k,) which cohorts are
    sold at their end; ``params[j]`` the engine inputs of ``tranches[j]`` (each an array (n,) or one
    value); ``horizons[j]`` (n,) that row's horizon."""

    n: int
    horizon: int
    general: dict[str, np.ndarray]
    company: dict[str, np.ndarray]
    purchase: np.ndarray
    end: np.ndarray
    retired: np.ndarray
    tranches: list[Tranche]
    params: list[dict[str, np.ndarray]]
    horizons: list[np.ndarray]


def tranches(p: Portfolio) -> list[Tranche]:
    """The engine rows of a portfolio, cohort by cohort (a cohort with slippage has two)."""
    out = []
    for i, c in enumerate(p.cohorts):
        out.append(Tranche(i, c.model))
        if c.slip_months > 0:
            out.append(Tranche(i, c.model, late=True))
    return out


def inputs(p: Portfolio, overrides: Mapping[str, Any] | None = None) -> Inputs:
    """Check ``overrides`` (dotted path → value or array (n,)) and build the engine inputs.

    Raises :class:`schema.ScenarioError` (one problem per bad path, naming cohort and field) or
    :class:`schema.UnknownFieldError`."""
    ov = {k: v for k, v in (overrides or {}).items()}
    n = _size(ov)
    problems: list[schema.Problem] = []
    general, company, shocks, timing, scenario = _split(p, ov, n, problems)
    if problems:
        raise schema.ScenarioError(problems)
    horizon = int(np.asarray(general.get(HORIZON, p.horizon_months)).reshape(-1)[0])
    purchase, end = _timing(p, timing, n, horizon, problems)
    draw, loan = np.asarray(company["loan_draw_month"]), np.asarray(company["loan_cny"])
    if np.any((loan > 0) & (draw >= horizon)):
        problems.append(schema.Problem("company.loan_draw_month", float(np.max(draw)),
                                       f"at or past the company horizon; allowed: 0 ≤ value < {horizon} [months]"))
    cohort_params = [_cohort_params(p, i, scenario.get(c.name, {}), problems) for i, c in enumerate(p.cohorts)]
    if problems:
        raise schema.ScenarioError(problems)
    ts = tranches(p)
    params, horizons = [], []
    for t in ts:
        c = p.cohorts[t.cohort]
        row = _tranche(c, t, dict(cohort_params[t.cohort]), timing.get(c.name, {}), shocks, general, n)
        params.append(row)
        horizons.append(np.broadcast_to(end[:, t.cohort] - purchase[:, t.cohort], (n,)))
    retired = np.array([c.retire_month is not None for c in p.cohorts])
    return Inputs(n, horizon, general, company, purchase, end, retired, ts, params, horizons)


def _size(ov: Mapping[str, Any]) -> int:
    sizes = {int(np.size(v)) for v in ov.values() if np.ndim(v) > 0}
    if len(sizes - {1}) > 1:
        raise ValueError(f"overrides have different lengths: {sorted(sizes)}")
    return max(sizes - {1}, default=1)


def _numbers(path: str, value: Any, n: int, problems: list[schema.Problem]) -> np.ndarray | None:
    """A checked array (n,) or one value of a numeric portfolio input, or None (problem added)."""
    spec = field_spec(path)
    if spec.kind not in ("float", "int"):
        problems.append(schema.Problem(path, value, f"cannot be varied here; allowed: {spec.range_text()}"))
        return None
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        problems.append(schema.Problem(path, value, f"wrong type; allowed: {spec.range_text()}"))
        return None
    ok = spec.in_bounds(arr, allow_empty=False)
    if not np.all(ok):
        bad = arr.reshape(-1)[~ok.reshape(-1)][0]
        problems.append(schema.Problem(path, float(bad), f"out of range; allowed: {spec.range_text()}"))
        return None
    return arr if arr.ndim == 0 else np.broadcast_to(arr.reshape(-1), (n,))


def _split(p: Portfolio, ov: dict[str, Any], n: int, problems: list[schema.Problem]) -> tuple[Any, ...]:
    """Overrides by target: general, company, shocks (path → array), cohort timing and scenario
    inputs (cohort name → {field or path: value})."""
    general = {f"general.{k}": np.asarray(np.nan if v is None else float(v))  # None: an unset optional input
               for k, v in p.general.model_dump().items() if k != "currency"}
    company = {k: np.asarray(float(v)) for k, v in p.company.model_dump().items()}
    shocks = {k: np.asarray(float(v)) for k, v in p.shocks.model_dump().items()}
    timing: dict[str, dict[str, np.ndarray]] = {}
    scenario: dict[str, dict[str, Any]] = {}
    for path, value in ov.items():
        head, _, rest = path.partition(".")
        if head == "cohorts":
            name, _, sub = rest.partition(".")
            field_spec(path)
            c = p.cohort(name)
            if "." in sub:
                _check_effect(c, path, sub, problems)
                scenario.setdefault(name, {})[sub] = value
            elif _structural(p, c, path, sub, problems):
                arr = _numbers(path, value, n, problems)
                if arr is not None:
                    timing.setdefault(name, {})[sub] = arr
            continue
        arr = _numbers(path, value, n, problems)
        if arr is None:
            continue
        if path == HORIZON and np.unique(arr).size > 1:
            problems.append(schema.Problem(path, value, "the company horizon is the time axis of a batch: one value "
                                           "per run (run each horizon separately)"))
        target = {"general": general, "company": company, "shocks": shocks}[head]
        target[path if head == "general" else rest] = arr
    return general, company, shocks, timing, scenario


def _check_effect(c: Cohort, path: str, sub: str, problems: list[schema.Problem]) -> None:
    if c.model == "heavy" and sub.startswith("light."):
        problems.append(schema.Problem(path, schema.MISSING, f"no effect: cohorts.{c.name} is an owned (heavy) "
                                       "cohort"))
    elif c.model == "light" and sub.startswith("heavy.") and sub not in LIGHT_READS_HEAVY:
        problems.append(schema.Problem(path, schema.MISSING, f"no effect on a light (sub-leased) book; it reads only "
                                       f"{', '.join(LIGHT_READS_HEAVY)}"))


def _structural(p: Portfolio, c: Cohort, path: str, sub: str, problems: list[schema.Problem]) -> bool:
    """Whether a timing override may vary in a batch (the file's structure stays fixed)."""
    why = ""
    if sub == "purchase_month" and any(o.successor == c.name for o in p.cohorts):
        why = "set by its predecessor's retire_month; vary that instead"
    elif sub in ("retire_month", "resale_share_of_book") and c.retire_month is None:
        why = "this cohort is not retired in the file; give it a retire_month there first"
    elif sub in ("slip_months", "late_share") and c.slip_months == 0:
        why = "this cohort has no slippage in the file; give it slip_months and late_share there first"
    if why:
        problems.append(schema.Problem(path, schema.MISSING, why))
    return not why


def _timing(p: Portfolio, timing: dict[str, dict[str, np.ndarray]], n: int, horizon: int,
            problems: list[schema.Problem]) -> tuple[np.ndarray, np.ndarray]:
    """Purchase and end months (n, k), successors bought when their predecessors retire; checked."""
    k = len(p.cohorts)
    purchase = np.empty((n, k), dtype=np.int64)
    end = np.empty((n, k), dtype=np.int64)
    for i, c in enumerate(p.cohorts):
        t = timing.get(c.name, {})
        purchase[:, i] = t.get("purchase_month", c.purchase_month)
        end[:, i] = t.get("retire_month", c.retire_month if c.retire_month is not None else horizon)
    index = {c.name: i for i, c in enumerate(p.cohorts)}
    for c in p.cohorts:  # chains: a successor's own retirement may feed the next successor
        if c.successor is not None:
            purchase[:, index[c.successor]] = end[:, index[c.name]]
    for i, c in enumerate(p.cohorts):
        live = c.retire_month is None
        end[:, i] = np.where(live, horizon, end[:, i])
        bad = ~(purchase[:, i] < horizon)
        if bad.any():
            problems.append(schema.Problem(f"cohorts.{c.name}.purchase_month", int(purchase[bad, i][0]),
                                           f"past the company horizon; allowed: 0 ≤ value < {horizon} [months]"))
        bad = ~((purchase[:, i] < end[:, i]) & (end[:, i] <= horizon))
        if not live and bad.any():
            problems.append(schema.Problem(f"cohorts.{c.name}.retire_month", int(end[bad, i][0]),
                                           "allowed: after the purchase month and by the company horizon "
                                           f"({horizon}) [months]"))
    return purchase, end


def _cohort_params(p: Portfolio, i: int, changes: dict[str, Any], problems: list[schema.Problem]) -> dict[str, Any]:
    """The cohort's scenario inputs with its overrides, checked by the scenario schema."""
    c = p.cohorts[i]
    try:
        params, _ = batch_params(c.scenario, changes)
    except schema.ScenarioError as err:
        problems += [schema.Problem(f"cohorts.{c.name}.{q.field}", q.value, q.message) for q in err.problems]
        return {}
    return params


def _tranche(c: Cohort, t: Tranche, row: dict[str, Any], timing: dict[str, np.ndarray], shocks: dict[str, np.ndarray],
             general: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """The engine inputs of one tranche: cohort inputs, shocks, company general, share and delay."""
    for shock, paths in SHOCKED.items():
        f = shocks[shock]
        if f.ndim == 0 and float(f) == 1.0:
            continue
        for path in paths:
            row[path] = row[path] * f
            if path in CAPPED_AT_ONE:
                row[path] = np.minimum(row[path], 1.0)
    row.update({k: v for k, v in general.items() if k != HORIZON})
    if c.model == "heavy":
        row["light.tflops_per_card"] = np.asarray(c.tflops_per_card)
        resale = timing.get("resale_share_of_book", c.resale_share_of_book)
        if c.retire_month is not None and resale is not None:
            row["heavy.terminal_value_fraction"] = np.asarray(resale, dtype=float)
    if c.slip_months > 0:
        late = np.asarray(timing.get("late_share", c.late_share), dtype=float)
        share = late if t.late else 1.0 - late
        for path in SCALED:
            row[path] = row[path] * share
        if t.late:
            row["heavy.lead_time_months"] = row["heavy.lead_time_months"] + timing.get("slip_months", c.slip_months)
    return {k: (np.asarray(v) if np.ndim(v) == 0 else np.broadcast_to(v, (n,))) for k, v in row.items()}
