"""The analyses of the sensitivity page, cached per scenario: tornado, price × occupancy grid, goal
seek for the price, Monte Carlo with its editable distributions.

Thin wrappers over :mod:`finmodel.analysis.sensitivity` and :mod:`finmodel.analysis.montecarlo`,
which are imported on first use (they are not needed to start the app up).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from finmodel import schema
from finmodel.model import results
from finmodel.schema import FIELDS, Scenario, ScenarioError
from finmodel.ui import i18n, present

if TYPE_CHECKING:
    from finmodel.analysis.montecarlo import MonteCarloResult

PRICE = present.PRICE
#: Monte Carlo metrics: the declared default results (``results.DEFAULT_METRICS``: the heavy
#: model's payback, NPV, IRR and gross margin), as ``finmodel montecarlo`` reports them.
MC_METRICS: tuple[str, ...] = results.DEFAULT_METRICS
#: Extra tornado choice beyond the declared sets: the light model's NPV, so the brokerage's
#: sensitivity is one click away.
TORNADO_EXTRA: tuple[str, ...] = ("light.npv_cny",)
#: Tornado metrics: the declared default results (those of ``finmodel tornado``), then
#: :data:`TORNADO_EXTRA`.
TORNADO_METRICS: tuple[str, ...] = results.DEFAULT_METRICS + TORNADO_EXTRA


@st.cache_data(max_entries=64, show_spinner=False)
def tornado(scenario: Scenario, shock: float) -> pd.DataFrame:
    """``sensitivity.tornado`` of :data:`TORNADO_METRICS` with every input moved by ``±shock``
    (a fraction, 0.2 = ±20 %): one row per (input, metric), results in their base units."""
    from finmodel.analysis import sensitivity

    return sensitivity.tornado(scenario, low=-shock, high=shock, metrics=TORNADO_METRICS)


@st.cache_data(max_entries=64, show_spinner=False)
def grid(scenario: Scenario, x: str, xs: tuple[float, ...], y: str, ys: tuple[float, ...],
         metric: str) -> pd.DataFrame:
    """``sensitivity.grid``: the result ``metric`` at every (x, y) pair of input values, as a tidy
    table with columns ``x``, ``y``, ``metric`` (inputs and result in their base units)."""
    from finmodel.analysis import sensitivity

    return sensitivity.grid(scenario, x, list(xs), y, list(ys), metric=metric)


@st.cache_data(max_entries=64, show_spinner=False)
def solve_price(scenario: Scenario, target: str, value: float) -> dict[str, Any]:
    """The rental price that reaches ``target`` = ``value`` (finmodel.analysis.sensitivity.solve)."""
    from finmodel.analysis import sensitivity

    try:
        res = sensitivity.solve(scenario, PRICE, target, value)
    except (sensitivity.NoSolution, ScenarioError, ValueError) as err:
        return {"ok": False, "target": target, "message": str(err)}
    if not res.converged:
        return {"ok": False, "target": target, "message": res.message}
    return {"ok": True, "target": target, "value": float(res.value), "achieved": float(res.achieved),
            "message": res.message}


@st.cache_data(max_entries=16, show_spinner=False)
def _monte_carlo(scenario: Scenario, dists_json: str, n: int, seed: int) -> MonteCarloResult:
    import json

    from finmodel.analysis import montecarlo

    return montecarlo.run(scenario, json.loads(dists_json), n, seed, metrics=MC_METRICS)


def monte_carlo(scenario: Scenario, dists: dict[str, dict[str, Any]], n: int, seed: int) -> MonteCarloResult:
    """``montecarlo.run`` of :data:`MC_METRICS` over ``n`` draws of ``dists`` with ``seed``, cached on
    the distributions' content (values per draw in the metrics' base units)."""
    import json

    return _monte_carlo(scenario, json.dumps(dists, sort_keys=True), n, seed)


def failing_distributions(scenario: Scenario, dists: dict[str, dict[str, Any]], seed: int,
                          n: int = 64) -> list[str]:
    """The distributions that fail on their own (a short run of each alone), as
    ``path: triangular(low=…, mode=…, high=…)`` lines — for explaining a Monte Carlo run that raised."""
    from finmodel.analysis import montecarlo

    bad = []
    for path, d in dists.items():
        try:
            montecarlo.run(scenario, {path: d}, n, seed, metrics=MC_METRICS)
        except (ValueError, ArithmeticError) as err:
            shape = ", ".join(f"{k}={v:g}" for k, v in d.items() if k != "dist")
            bad.append(f"{path}: {d.get('dist')}({shape}) — {type(err).__name__}: {err}")
    return bad


def mc_editor(scenario: Scenario, lang_: str) -> dict[str, dict[str, Any]]:
    """Editable table of triangular input distributions (low / most likely / high), seeded with
    ``montecarlo.default_distributions``; returns ``{path: {"dist": "triangular", ...}}``."""
    from finmodel.analysis import montecarlo

    rows = [{"path": p, "low": d["low"], "mode": d["mode"], "high": d["high"]}
            for p, d in montecarlo.default_distributions(scenario).items() if d.get("dist") == "triangular"]
    numeric = [p for p in schema.NUMERIC_FIELDS if FIELDS[p].kind in ("float", "int")]
    edited = st.data_editor(
        pd.DataFrame(rows, columns=["path", "low", "mode", "high"]), key="mc_dists", num_rows="dynamic",
        hide_index=True, width="stretch",
        column_config={
            "path": st.column_config.SelectboxColumn(i18n.t("field", lang_), options=numeric, required=True,
                                                     format_func=lambda p: i18n.field_label(str(p), lang_, pct=False),
                                                     width="large"),
            "low": st.column_config.NumberColumn(i18n.t("dist_low", lang_), required=True, format="%.4g"),
            "mode": st.column_config.NumberColumn(i18n.t("dist_mode", lang_), required=True, format="%.4g"),
            "high": st.column_config.NumberColumn(i18n.t("dist_high", lang_), required=True, format="%.4g"),
        })
    out: dict[str, dict[str, Any]] = {}
    for row in edited.to_dict("records"):
        if row.get("path") in FIELDS and all(fmt_ok(row.get(k)) for k in ("low", "mode", "high")):
            out[row["path"]] = {"dist": "triangular", "low": float(row["low"]), "mode": float(row["mode"]),
                                "high": float(row["high"])}
    return out


def fmt_ok(x: Any) -> bool:
    """Whether an editor cell holds a number (not empty, not NaN, not text)."""
    try:
        return x is not None and float(x) == float(x)
    except (TypeError, ValueError):
        return False


__all__ = ["MC_METRICS", "TORNADO_EXTRA", "TORNADO_METRICS", "failing_distributions", "fmt_ok", "grid", "mc_editor",
           "monte_carlo", "solve_price", "tornado"]
