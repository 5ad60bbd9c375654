"""Evaluate portfolios on the engine's batch axis: one code path for one cohort or a million portfolios.

For ``n`` variants of a portfolio with ``k`` cohorts (:mod:`~finmodel.model.portfolio_inputs`):

1. **Cohort rows.** Every delivery tranche of every variant is a row of one batch per business model
   (heavy, light), evaluated by :func:`finmodel.model.run.evaluate_items` with the cohort items
   (:data:`~finmodel.model.portfolio_items.COHORT_ITEMS`) and a horizon per row (company horizon −
   purchase month, or retire − purchase). Rows that are the same in several variants (a cohort no
   override touches) are evaluated once.
2. **Stand-alone cohorts.** Each cohort's tranches are summed on its own calendar (month 0 = its
   purchase) and the company model (:data:`~finmodel.model.portfolio_items.ROLLUP`) is evaluated
   over them with no company-level lines: the cohort's stand-alone statements and KPIs, including
   the income tax it would pay alone.
3. **Company.** Every tranche row is shifted to its purchase month and summed (index arithmetic:
   one gather per line, then a segmented sum — no loop over scenarios), the cohorts' stand-alone
   taxes likewise; the company model is evaluated over the sums with the company's own lines.
4. **Shares and fleet.** Each cohort's share of company revenue, EBITDA and capex
   (:data:`~finmodel.model.portfolio_items.SHARES`); the fleet lines summed per GPU.

Each step asks only for the items its requested results need (``engine.needed``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from finmodel.model import engine, run
from finmodel.model import portfolio_items as pi
from finmodel.model.portfolio_inputs import HORIZON, Inputs, inputs
from finmodel.schema.portfolio import Portfolio

_INPUT_KEYS = frozenset(i.key for i in pi.INPUTS)  # the company model's input rows and inputs
_SUMS = pi.SUMS_BY_KEY


@dataclass
class PortfolioBatch:
    """Results of ``n`` variants of a portfolio.

    ``company[key]`` is (n,) for results, (n, H + 1) for monthly lines; ``cohorts[key]`` (n, k) and
    (n, k, T) on each cohort's own calendar; ``cohort_lines[key]`` (n, k, H + 1) each cohort's
    stand-alone line on the company calendar; ``fleet[key]`` (n, G, H + 1) per GPU of ``gpus``."""

    n: int
    horizon_months: int
    names: tuple[str, ...]
    gpus: tuple[str, ...] = ()
    company: dict[str, np.ndarray] = field(default_factory=dict)
    cohorts: dict[str, np.ndarray] = field(default_factory=dict)
    cohort_lines: dict[str, np.ndarray] = field(default_factory=dict)
    fleet: dict[str, np.ndarray] = field(default_factory=dict)


def evaluate_batch(p: Portfolio, overrides: Mapping[str, Any] | None = None, *,
                   company: Sequence[str] | None = None, cohorts: Sequence[str] = (),
                   rows: bool = False) -> PortfolioBatch:
    """Evaluate ``n`` variants of ``p`` (overrides: dotted path → value or array (n,)).

    ``company`` / ``cohorts``: the result keys wanted (default: every company result; no cohort
    results); ``rows``: also every monthly line, the per-cohort lines on the company calendar and
    the fleet per GPU."""
    inp = inputs(p, overrides)
    want_company = _wanted(pi.ROLLUP, company, rows)
    want_cohort = list(cohorts) + ([*pi.COHORT_KPIS, *pi.COHORT_LINES, *pi.COHORT_COUNTS] if rows else [])
    want_cohort += [pi.STANDALONE[k] for k in _standalone_needed(want_company)]
    share_keys = [k for k in want_cohort if k.startswith("share_of_")]
    roll_cohort = [k for k in want_cohort if not k.startswith("share_of_")]
    if share_keys:
        roll_cohort += [k for _, k, _, _ in pi.SHARED]
        want_company = list(dict.fromkeys([*want_company, *(k for _, k, _, _ in pi.SHARED)]))
    fleet = list(pi.FLEET) if rows else []
    sums = _needed_sums(want_company) | _needed_sums(roll_cohort) | _needed_sums(fleet)
    cohort_rows = _cohort_rows(inp, sums)
    out = PortfolioBatch(inp.n, inp.horizon, tuple(c.name for c in p.cohorts))
    if roll_cohort:
        out.cohorts = _standalone(inp, cohort_rows, list(dict.fromkeys(roll_cohort)))
        out.cohort_lines = _on_company_calendar(inp, out.cohorts, pi.COHORT_LINES + pi.COHORT_COUNTS if rows else ())
    out.company = _company(inp, cohort_rows, out.cohorts, want_company)
    if share_keys:
        out.cohorts.update(_shares(inp, out.cohorts, out.company, share_keys))
    if rows:
        out.gpus = tuple(dict.fromkeys(c.gpu for c in p.cohorts))
        groups = np.array([out.gpus.index(p.cohorts[t.cohort].gpu) for t in inp.tranches])
        sums_g = _sum_tranches(inp, cohort_rows, groups, len(out.gpus), shift=True)
        out.fleet = _rollup(sums_g, _company_inputs(inp, len(out.gpus)), _general(inp, len(out.gpus)),
                            inp.horizon + 1, fleet, inp.n * len(out.gpus))
        out.fleet = {k: v.reshape(inp.n, len(out.gpus), -1) for k, v in out.fleet.items() if k in pi.FLEET}
    return out


def _wanted(items: list[engine.Item], keys: Sequence[str] | None, rows: bool) -> list[str]:
    scalars = [i.key for i in items if i.kind == "scalar" and i.key not in _INPUT_KEYS]
    out = list(scalars if keys is None else keys)
    if rows:
        out += [i.key for i in items if i.kind == "row"]
    return list(dict.fromkeys(out))


def _standalone_needed(keys: Sequence[str]) -> list[str]:
    """The Σ-of-cohorts-alone input rows (:data:`~finmodel.model.portfolio_items.STANDALONE`) ``keys`` need."""
    needed = engine.needed(pi.ROLLUP, keys) if keys else set()
    return [k for k in pi.STANDALONE if k in needed]


def _needed_sums(keys: Sequence[str]) -> set[str]:
    return (engine.needed(pi.ROLLUP, keys) & set(_SUMS)) if keys else set()


# --------------------------------------------------------------------------- 1. cohort rows
@dataclass
class _ModelRows:
    """One business model's engine rows: values (U, T_model), and for each of its tranche slots the
    row of each variant (n,) and that row's horizon (n,)."""

    values: dict[str, np.ndarray]
    slots: list[int]  # tranche indices
    rows: np.ndarray  # (n, S)
    horizons: np.ndarray  # (n, S)


def _cohort_rows(inp: Inputs, sums: set[str]) -> dict[str, _ModelRows]:
    out = {}
    for model in ("heavy", "light"):
        slots = [j for j, t in enumerate(inp.tranches) if t.model == model]
        keys = sorted({_SUMS[s][2] for s in sums if _SUMS[s][1] == model})
        if not slots:
            continue
        parts = [_unique_rows(inp.params[j], inp.horizons[j]) for j in slots]
        sizes = np.array([len(h) for _, _, h in parts])
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        params = {path: _stack([u[path] for u, _, _ in parts], sizes) for path in parts[0][0]}
        horizons = np.concatenate([h for _, _, h in parts])
        values = run.evaluate_items(pi.COHORT_ITEMS[model], params, horizons, keys) if keys else {}
        rows = np.stack([inv + off for (_, inv, _), off in zip(parts, offsets, strict=True)], axis=1)
        out[model] = _ModelRows(values, slots, rows, horizons[rows])
    return out


def _constant_array(v: np.ndarray) -> bool:
    return bool(np.array_equal(v, np.broadcast_to(v[0], v.shape), equal_nan=True))


def _stack(values: list[np.ndarray], sizes: np.ndarray) -> np.ndarray:
    """One input over the rows of all slots: slot j's value(s) for its ``sizes[j]`` rows; one value
    when it is the same everywhere."""
    if all(v.ndim == 0 for v in values):
        flat = np.array([float(v) for v in values])
        return np.asarray(flat[0]) if np.all(flat == flat[0]) else np.repeat(flat, sizes)
    return np.concatenate([np.broadcast_to(v, (int(k),)) for v, k in zip(values, sizes, strict=True)])


def _unique_rows(params: dict[str, np.ndarray], horizon: np.ndarray
                 ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """The distinct rows of one tranche over the variants: their inputs (U,), each variant's row
    (n,), and their horizons (U,)."""
    n = horizon.shape[0]
    varying = [params[k] for k, v in params.items() if v.ndim > 0 and not _constant_array(v)]
    cols = varying + [np.isnan(v) for v in varying if np.isnan(v).any()]  # NaN (unset) is one value
    cols += [horizon] if not np.all(horizon == horizon[0]) else []
    if not cols:
        return {k: (v[:1] if v.ndim else v) for k, v in params.items()}, np.zeros(n, dtype=np.int64), horizon[:1]
    matrix = np.nan_to_num(np.column_stack(cols), nan=0.0)
    _, first, inverse = np.unique(matrix, axis=0, return_index=True, return_inverse=True)
    return ({k: (v[first] if v.ndim else v) for k, v in params.items()}, inverse.reshape(-1).astype(np.int64),
            horizon[first])


# --------------------------------------------------------------------------- shifting and summing
def _sum_tranches(inp: Inputs, cohort_rows: dict[str, _ModelRows], groups: np.ndarray, n_groups: int, *,
                  shift: bool) -> dict[str, np.ndarray]:
    """Every input row of the company model summed over the tranches of each group (n × G rows):
    on the company calendar (``shift``: tranche rows moved to their purchase months, T = H + 1) or
    on the cohorts' own calendars (T = the longest row + 1)."""
    T = inp.horizon + 1 if shift else 1 + max(int(m.horizons.max()) for m in cohort_rows.values())
    retired = inp.retired[[t.cohort for t in inp.tranches]]
    out: dict[str, np.ndarray] = {}
    for model, mr in cohort_rows.items():
        keys = [k for k, s in _SUMS.items() if s[1] == model and s[2] in mr.values]
        if not keys:
            continue
        start = inp.purchase[:, [inp.tranches[j].cohort for j in mr.slots]] if shift else np.zeros_like(mr.rows)
        which = np.array([_SUMS[k][3] for k in keys])
        masks = (which[:, None] == "all") | ((which[:, None] == "retired") == retired[mr.slots][None, :])
        summed = shifted_sum(np.stack([_rows_of(mr.values[_SUMS[k][2]], mr.rows) for k in keys]), mr.rows, start,
                             mr.horizons, groups[mr.slots], n_groups, T, masks)
        out.update(zip(keys, summed, strict=True))
    for key in _SUMS:  # a model with no cohorts contributes zeros
        if key not in out:
            out[key] = np.zeros((1, T))
    return out


def _rows_of(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """An engine line as (U, T') numbers (a line that is the same for every row is one row, repeated)."""
    u = int(rows.max()) + 1
    return np.broadcast_to(values[:1], (u, values.shape[-1])) if values.strides[0] == 0 else values[:u]


def shifted_sum(values: np.ndarray, rows: np.ndarray, start: np.ndarray, last: np.ndarray, groups: np.ndarray,
                n_groups: int, T: int, masks: np.ndarray) -> np.ndarray:
    """For each of K lines, Σ over the slots of each group of ``values[k, rows[i, s], t − start[i, s]]``
    where ``0 ≤ t − start ≤ last[i, s]`` (0 elsewhere) and ``masks[k, s]``: shape (K, n·G, T).

    ``values`` (K, U, T') engine lines; ``rows``, ``start``, ``last`` (n, S); ``groups`` (S,) in
    ``0..n_groups-1``. A slot whose start and last are the same in every variant (the usual case)
    is one slice-add; otherwise one gather by index."""
    K, _, Tv = values.shape
    n, S = rows.shape
    out = np.zeros((K, n, n_groups, T))
    t = np.arange(T)
    for s in range(S):
        sel = masks[:, s]
        if not sel.any():
            continue
        p, last_s, g, r = start[:, s], last[:, s], int(groups[s]), rows[:, s]
        if np.all(p == p[0]) and np.all(last_s == last_s[0]):
            a, length = int(p[0]), min(int(last_s[0]) + 1, T - int(p[0]), Tv)
            block = values[:, r, :length]  # (K, n, length)
            if not sel.all():
                block[~sel] = 0.0
            out[:, :, g, a:a + length] += block
            continue
        src = t[None, :] - p[:, None]
        valid = (src >= 0) & (src <= last_s[:, None]) & sel[:, None, None]  # (K, n, T)
        out[:, :, g, :] += np.where(valid, values[:, r[:, None], np.clip(src, 0, Tv - 1)], 0.0)
    return out.reshape(K, n * n_groups, T)


# --------------------------------------------------------------------------- the company model
def _rollup(given: Mapping[str, np.ndarray], scalars: Mapping[str, np.ndarray], general: Mapping[str, np.ndarray],
            n_months: int, keys: Sequence[str], n: int, items: list[engine.Item] | None = None
            ) -> dict[str, np.ndarray]:
    """The company model (or ``items``) for ``n`` groups, its input rows and inputs given."""
    items = pi.ROLLUP if items is None else items
    values = {**given, **scalars}
    wanted = engine.needed(items, keys)
    missing = sorted(k for k in wanted if k in pi.FILLED and k not in values)
    if missing:  # pragma: no cover - an engine bug, not an input problem
        raise KeyError(f"company model inputs not given: {missing}")
    todo = [replace(it, fn=_constant(values[it.key])) if it.key in values else it for it in items if it.key in wanted]
    params = {k: np.broadcast_to(v, (n,)) for k, v in general.items()}
    return dict(engine.evaluate(todo, params, n_months))


def _constant(value: np.ndarray) -> Any:
    return lambda m: value


def _general(inp: Inputs, groups: int, horizons: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The company's general inputs for ``n × groups`` roll-up rows (their horizon: the company's or
    ``horizons`` (n, groups))."""
    out = {k: np.repeat(np.broadcast_to(v, (inp.n,)), groups) for k, v in inp.general.items() if k != HORIZON}
    out[HORIZON] = (np.full(inp.n * groups, float(inp.horizon)) if horizons is None
                    else horizons.reshape(-1).astype(float))
    return out


def _company_inputs(inp: Inputs, groups: int, alone: bool = False) -> dict[str, np.ndarray]:
    """The company's inputs for ``n × groups`` roll-up rows; ``alone``: a cohort on its own carries no
    company-level lines and no company loan."""
    out = {}
    for key, *_ in pi.COMPANY_INPUTS:
        zero = alone and (key.endswith("_cny_per_month") or key == "loan_cny")
        v = np.zeros(1) if zero else np.repeat(np.broadcast_to(inp.company[key], (inp.n,)), groups)
        out["company_" + key] = v.reshape(-1, 1)
    return out


def _standalone(inp: Inputs, cohort_rows: dict[str, _ModelRows], keys: list[str]) -> dict[str, np.ndarray]:
    """Each cohort as a company of its own, on its own calendar: (n, k) results, (n, k, T) lines."""
    k = inp.purchase.shape[1]
    groups = np.array([t.cohort for t in inp.tranches])
    given = _sum_tranches(inp, cohort_rows, groups, k, shift=False)
    T = next(iter(given.values())).shape[-1]
    given.update({key: np.zeros((1, T)) for key in pi.STANDALONE})
    vals = _rollup(given, _company_inputs(inp, k, alone=True), _general(inp, k, inp.end - inp.purchase), T, keys,
                   inp.n * k)
    return {key: (v.reshape(inp.n, k) if v.ndim == 1 else v.reshape(inp.n, k, -1)) for key, v in vals.items()
            if key in keys}


def _on_company_calendar(inp: Inputs, standalone: dict[str, np.ndarray], keys: Sequence[str]) -> dict[str, np.ndarray]:
    """Stand-alone cohort lines moved to the company calendar: (n, k, H + 1); a balance
    (:data:`~finmodel.model.portfolio_items.HELD_LINES`) keeps its last value after the cohort's end."""
    k = inp.purchase.shape[1]
    rows = np.arange(inp.n * k).reshape(inp.n, k)
    if not keys:
        return {}
    lines = np.stack([standalone[key].reshape(inp.n * k, -1) for key in keys])
    summed = shifted_sum(lines, rows, inp.purchase, inp.end - inp.purchase, np.arange(k), k, inp.horizon + 1,
                         np.ones((len(keys), k), dtype=bool))
    out = {key: v.reshape(inp.n, k, -1) for key, v in zip(keys, summed, strict=True)}
    last = np.minimum(np.arange(inp.horizon + 1)[None, None, :], inp.end[:, :, None])  # (n, k, H + 1)
    for key in set(keys) & set(pi.HELD_LINES):
        out[key] = np.take_along_axis(out[key], np.broadcast_to(last, out[key].shape), axis=2)
    return out


def _company(inp: Inputs, cohort_rows: dict[str, _ModelRows], standalone: dict[str, np.ndarray],
             keys: list[str]) -> dict[str, np.ndarray]:
    given = _sum_tranches(inp, cohort_rows, np.zeros(len(inp.tranches), dtype=np.int64), 1, shift=True)
    needed = _standalone_needed(keys)
    moved = _on_company_calendar(inp, standalone, [pi.STANDALONE[k] for k in needed])
    given.update({key: moved[pi.STANDALONE[key]].sum(axis=1) for key in needed})
    return _rollup(given, _company_inputs(inp, 1), _general(inp, 1), inp.horizon + 1, keys, inp.n)


def _shares(inp: Inputs, standalone: dict[str, np.ndarray], company: dict[str, np.ndarray],
            keys: list[str]) -> dict[str, np.ndarray]:
    k = inp.purchase.shape[1]
    scalars = {}
    for _, key, _, _ in pi.SHARED:
        scalars[f"cohort_{key}"] = standalone[key].reshape(-1, 1)
        scalars[f"company_{key}"] = np.repeat(np.broadcast_to(company[key], (inp.n,)), k).reshape(-1, 1)
    vals = _rollup({}, scalars, _general(inp, k), 1, keys, inp.n * k, items=pi.SHARES)
    return {key: vals[key].reshape(inp.n, k) for key in keys}
