"""One-way sensitivity (tornado) and two-way grids; break-even / goal seek re-exported from
:mod:`finmodel.analysis.goal_seek`.

Each analysis builds one batch of scenarios and evaluates it through the engine's vectorised path
(``finmodel.analysis.sweep.evaluate`` → ``model.batch_params`` + ``model.evaluate_batch``); the solver
evaluates one batch per refinement step for all its targets at once.

Conventions
-----------
* Inputs by dotted path (``heavy.price_cny_per_card_hour``); results by ``model.key``
  (``heavy.payback_months``; a bare ``payback_months`` means the heavy-asset one).
* Payback NaN means "never within the horizon" and is ordered as longer than any number of months;
  other NaN results (IRR "none", "n/a") are missing values.
* Relative moves (tornado ``low=-0.2``) multiply the base value (``base × (1 + low)``), are rounded
  for integer inputs and clipped to the input's allowed range.
* A portfolio (:class:`~finmodel.schema.portfolio.Portfolio`) is a base like a scenario: inputs
  ``shocks.price_factor``, ``cohorts.<name>.heavy.occupancy`` …, results ``company.*`` /
  ``cohorts.<name>.*`` (:mod:`finmodel.analysis.subject`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from finmodel import schema
from finmodel.analysis import sweep
from finmodel.analysis.goal_seek import NoSolution, SolveResult, solve, solve_many
from finmodel.analysis.subject import HORIZON, Base, Subject, subject
from finmodel.model import results

if TYPE_CHECKING:  # pandas loads when a table is built, not with the command line's analysis commands
    import pandas as pd

__all__ = [
    "TORNADO_METRICS",
    "tornado",
    "tornado_fields",
    "grid",
    "SolveResult",
    "NoSolution",
    "solve",
    "solve_many",
]

TORNADO_METRICS: tuple[str, ...] = results.DEFAULT_METRICS


# --------------------------------------------------------------------------- tornado
def tornado_fields(base: Base) -> list[str]:
    """Candidate inputs for a default tornado. A scenario: every numeric input that is set
    (optional inputs left empty are skipped), except the horizon and the structural inputs
    (``subject.STRUCTURAL``: fleet size, cards per server, hours per year, TFLOPS per card). A
    portfolio: ``portfolio_analysis.tornado_fields`` (the company-wide shocks, the company lines
    that are set, each cohort's price, occupancy, capex and purchase month). :func:`tornado` then
    drops those with no effect (e.g. electricity under the 60:40 ratio cost method)."""
    return subject(base).tornado_fields()


def _move(fs: schema.FieldSpec, base: float, rel: float) -> float:
    v = base * (1.0 + rel)
    if fs.kind == "int":
        v = float(round(v))
    lo, hi = fs.closed_bounds()
    return float(min(max(v, lo), hi))


def tornado(base: Base, fields: Sequence[str] | Mapping[str, tuple[float, float] | None] | None = None, *,
            low: float = -0.2, high: float = 0.2, metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """One-way sensitivity: each input moved to a low and a high value, one at a time.

    Parameters
    ----------
    base : base scenario, or a portfolio.
    fields : input paths (relative moves), or ``{path: (low_value, high_value)}`` for explicit
        values (``None`` for a relative move). Default: :func:`tornado_fields`, keeping only the
        inputs that change at least one result.
    low, high : relative moves, e.g. −0.2 and +0.2 for ±20 % (clipped to the allowed range).
    metrics : result paths (default :data:`TORNADO_METRICS`; a portfolio's
        ``portfolio_analysis.DEFAULT_METRICS``).

    Returns
    -------
    DataFrame
        One row per (field, metric): ``field, label_en, label_zh, unit, base_input, low_input,
        high_input, metric, base_result, low_result, high_result, swing``; ``swing`` is the range
        of the result over {low, base, high} (``inf`` when payback becomes "never" or a result
        becomes undefined on one side). Sorted by metric (in the given order), then swing
        descending.
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError("low and high must be finite relative moves, e.g. -0.2 and 0.2")
    subj = subject(base)
    mets = subj.metric_paths(metrics)
    explicit = dict.fromkeys(subj.tornado_fields()) if fields is None else (
        dict(fields) if isinstance(fields, Mapping) else dict.fromkeys(fields))
    if not explicit:
        raise ValueError("no inputs to vary")
    moves = {path: _moves(subj, path, vals, low, high) for path, vals in explicit.items()}
    res = sweep.evaluate(base, _one_at_a_time(moves), mets)
    df = _tornado_table(subj, moves, mets, res)
    if fields is None:  # keep the inputs that move at least one result
        fields_col = df["field"].tolist()
        moving = {f for f, swing in zip(fields_col, df["swing"].to_numpy(dtype=float), strict=True) if swing > 0}
        df = df.loc[[f in moving for f in fields_col]]
    order = {m: i for i, m in enumerate(mets)}
    df = df.assign(_m=[order[m] for m in df["metric"]]).sort_values(["_m", "swing"], ascending=[True, False],
                                                                     kind="stable")
    return df.drop(columns="_m").reset_index(drop=True)


_TORNADO_COLUMNS = ["field", "label_en", "label_zh", "unit", "base_input", "low_input", "high_input", "metric",
                    "base_result", "low_result", "high_result", "swing"]


def _moves(subj: Subject, path: str, vals: tuple[float, float] | None, low: float,
           high: float) -> tuple[float, float, float]:
    """``(base, low value, high value)`` of one tornado input: explicit values, or relative moves."""
    fs = sweep.numeric_spec(path, subj)
    if path == HORIZON:
        raise ValueError(f"{path} is the time axis and cannot be a tornado input; run one tornado per horizon")
    base = subj.get(path)
    if base is None:
        if vals is None:
            raise ValueError(f"{path} is not set in this scenario: give explicit low and high values")
        base = math.nan
    base = float(base)
    if vals is None:
        return base, _move(fs, base, low), _move(fs, base, high)
    try:
        lo_v, hi_v = (float(v) for v in vals)
    except (TypeError, ValueError):
        raise ValueError(f"{path}: explicit values must be a pair (low, high) of numbers, got {vals!r}") from None
    return base, lo_v, hi_v


def _one_at_a_time(moves: Mapping[str, tuple[float, float, float]]) -> dict[str, np.ndarray]:
    """The tornado's one batch: row 0 is the base, rows 1 + 2i and 2 + 2i move input i down and up."""
    n = 1 + 2 * len(moves)
    overrides: dict[str, np.ndarray] = {}
    for i, (p, (base, lo_v, hi_v)) in enumerate(moves.items()):
        col = np.full(n, base)
        col[1 + 2 * i], col[2 + 2 * i] = lo_v, hi_v
        if math.isnan(base):  # unset optional: keep empty in the other rows
            col[[j for j in range(n) if j not in (1 + 2 * i, 2 + 2 * i)]] = np.nan
        overrides[p] = col
    return overrides


def _tornado_table(subj: Subject, moves: Mapping[str, tuple[float, float, float]], mets: Sequence[str],
                   res: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """One row per (metric, input) from the batch results, in that order."""
    import pandas as pd

    rows = []
    for metric in mets:
        v = res[metric]
        for i, (p, (base_in, lo_in, hi_in)) in enumerate(moves.items()):
            fs = subj.field_spec(p)
            b, lo_r, hi_r = float(v[0]), float(v[1 + 2 * i]), float(v[2 + 2 * i])
            rows.append({"field": p, "label_en": fs.label_en, "label_zh": fs.label_zh, "unit": fs.unit,
                         "base_input": base_in, "low_input": lo_in, "high_input": hi_in, "metric": metric,
                         "base_result": b, "low_result": lo_r, "high_result": hi_r,
                         "swing": _swing(b, lo_r, hi_r)})
    return pd.DataFrame(rows, columns=_TORNADO_COLUMNS)


def _swing(base: float, lo: float, hi: float) -> float:
    vals = np.array([base, lo, hi])
    nan = np.isnan(vals)
    if nan.all():
        return 0.0
    if nan.any():
        return math.inf  # e.g. payback becomes "never", or IRR becomes undefined
    return float(vals.max() - vals.min())


# --------------------------------------------------------------------------- two-way grid
def grid(base: Base, x: str, x_values: Iterable[Any], y: str, y_values: Iterable[Any],
         metric: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Two-way table: every (x, y) pair, one batch; ``metric`` defaults to the payback
    (``heavy.payback_months``, a portfolio's ``company.payback_months``).

    Returns
    -------
    DataFrame
        Tidy columns ``[x, y, metric]`` (the dotted paths as names; several metrics give several
        columns); x varies slowest.
    """
    if x == y:
        raise ValueError(f"x and y are the same input ({x}); choose two different inputs")
    metric = subject(base).payback_metric if metric is None else metric
    return sweep.run(base, {x: list(x_values), y: list(y_values)}, [metric] if isinstance(metric, str) else metric)


