"""Scenario sweeps: grids of inputs evaluated in chunks, locally or on a Dask cluster.

Everything here evaluates through the engine's vectorised path (``model.batch_params`` +
``model.evaluate_batch``): a chunk of a grid is one batch, never a Python loop over scenarios.

* **Inputs and results by name.** Inputs are dotted scenario paths (``heavy.occupancy``, see
  ``finmodel fields``); results are ``model.key`` paths (``heavy.payback_months``,
  ``light.spread_cny_per_p_year``; resolved by :mod:`finmodel.model.results`, re-exported here); a
  bare key (``payback_months``) means the heavy-asset result, or the light-asset one when only light
  has it.
* **Grids.** ``parse_axis("heavy.occupancy=0.5:1.0:11")`` (start:stop:count, both ends included)
  or ``"heavy.billing_mode=hourly,monthly"`` (a list). Axes combine as a full factorial; the first
  axis varies slowest, like ``itertools.product``. A grid is never materialised: each chunk computes
  its own rows from flat indices. Its size is counted in Python integers and refused up front past
  :data:`MAX_SCENARIOS` (:mod:`finmodel.analysis.grid`, :mod:`finmodel.analysis.limits`).
* **Chunks and executors.** ``chunk_size`` scenarios per batch (memory ≈ chunk × 100 rows × months ×
  8 bytes per worker). ``engine="local"`` runs chunks on a thread pool (numpy releases the GIL);
  ``engine="dask"`` (``scheduler="tcp://host:8786"``; optional extra ``finmodel[dask]``, workers
  need finmodel installed) maps the same chunk function over the cluster — see
  :mod:`finmodel.analysis.executors`. Results come back in order and are identical for every
  executor and worker count.
* **Output.** :func:`write` streams chunks to Parquet or CSV through :class:`AtomicTableWriter`:
  a temporary file in the target directory, renamed over the target only when complete, deleted on
  any error, Ctrl-C or SIGTERM (in the CLI) — never a half-written file.
* **Horizon.** ``general.horizon_months`` is the time axis of a batch; when it varies, rows are
  grouped by horizon and each group is one batch.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from finmodel import model, schema
from finmodel.analysis.executors import DaskExecutor, Executor, LocalExecutor, chunks, get_executor, run_tasks
from finmodel.analysis.grid import (
    HORIZON,
    Grid,
    GridTooLarge,
    check_grid_size,
    check_values,
    numeric_spec,
    parse_axis,
    split_assignment,
)
from finmodel.analysis.limits import BYTES_PER_VALUE, MAX_SCENARIOS, check_in_memory, count_text
from finmodel.model import results
from finmodel.model.results import (
    DEFAULT_METRICS,
    MetricInfo,
    UnknownMetricError,
    all_metrics,
    metric_info,
    metric_path,
    metric_paths,
)
from finmodel.schema import Scenario
from finmodel.schema.files import AtomicTableWriter

__all__ = [  # grids live in finmodel.analysis.grid and are re-exported here
    "DEFAULT_METRICS",
    "HORIZON",
    "MAX_SCENARIOS",
    "GridTooLarge",
    "check_grid_size",
    "check_values",
    "numeric_spec",
    "split_assignment",
    "DEFAULT_CHUNK",
    "UnknownMetricError",
    "MetricInfo",
    "metric_path",
    "metric_paths",
    "metric_info",
    "all_metrics",
    "evaluate",
    "parse_axis",
    "Grid",
    "run",
    "write",
    "SweepSummary",
    "AtomicTableWriter",
    "Engine",
    "LocalEngine",
    "DaskEngine",
    "get_engine",
]

DEFAULT_CHUNK = 8_192  # scenarios per batch: ~0.2 GB of line items per worker at 61 months

Progress = Callable[[int], None]  # called with the number of scenarios just finished

# The executors under the names of the CLI's --engine option (public since the first sweep release).
Engine = Executor
LocalEngine = LocalExecutor
DaskEngine = DaskExecutor
get_engine = get_executor


# --------------------------------------------------------------------------- one batch
def evaluate(scenario: Scenario, overrides: Mapping[str, Any] | None, metrics: Sequence[str]) -> dict[str, np.ndarray]:
    """Results of ``scenario`` with some inputs replaced by arrays (one batch, vectorised).

    Parameters
    ----------
    scenario : the base scenario (inputs not overridden keep its values).
    overrides : dotted input path → value or array (n,); choices as option strings.
    metrics : result paths (see :func:`metric_path`).

    Returns
    -------
    dict
        result path → array (n,). Raises :class:`schema.ScenarioError` for values outside the
        schema bounds and :class:`schema.UnknownFieldError` for unknown paths.
    """
    metrics = metric_paths(metrics)
    overrides = dict(overrides or {})
    horizon = overrides.get(HORIZON)
    if horizon is not None and np.ndim(horizon) > 0 and np.unique(np.asarray(horizon, dtype=float)).size > 1:
        return _evaluate_by_horizon(scenario, overrides, metrics)
    params, h = model.batch_params(scenario, overrides)
    res = model.evaluate_batch(params, h, outputs=metrics)
    return {p: np.broadcast_to(_value(res, p), (res.n,)).copy() for p in metrics}


def _value(res: model.BatchResult, path: str) -> np.ndarray:
    name, key = results.split(path)
    return getattr(res, name)[key]


def _evaluate_by_horizon(scenario: Scenario, overrides: dict[str, Any], metrics: list[str]) -> dict[str, np.ndarray]:
    """Rows with different horizons cannot share a time axis: one batch per horizon value."""
    hz = np.asarray(overrides[HORIZON], dtype=float)
    n = hz.size
    out = {p: np.empty(n) for p in metrics}
    for h in np.unique(hz):
        idx = np.flatnonzero(hz == h)
        sub = {k: (np.asarray(v, dtype=object if _is_text(v) else float)[idx] if np.ndim(v) > 0 else v)
               for k, v in overrides.items()}
        sub[HORIZON] = h
        for p, v in evaluate(scenario, sub, metrics).items():
            out[p][idx] = v
    return out


def _is_text(v: Any) -> bool:
    a = np.asarray(v)
    return a.dtype.kind in "USO"


# --------------------------------------------------------------------------- the sweep
def _grid_chunk(scenario: Scenario, grid: Grid, start: int, stop: int, metrics: list[str]) -> pd.DataFrame:
    """One chunk of a sweep: its input rows and their results (a task for any executor)."""
    inputs = grid.rows(start, stop)
    results = evaluate(scenario, inputs, metrics)
    return pd.DataFrame({**inputs, **results})


def _as_grid(axes: Grid | Mapping[str, Any] | Iterable[str]) -> Grid:
    if isinstance(axes, Grid):
        return axes
    if isinstance(axes, Mapping):
        out: dict[str, np.ndarray] = {}
        for path, values in axes.items():
            fs = schema.field_spec(path)
            arr = np.atleast_1d(np.asarray(values, dtype=object if fs.kind == "choice" else float))
            check_values(path, arr)
            if fs.kind == "int":
                arr = arr.astype(np.int64)
            out[path] = arr
        grid = Grid(out)
        check_grid_size(grid.size, len(out) + len(DEFAULT_METRICS))
        return grid
    return Grid.parse(axes)


def default_metrics_for(paths: Iterable[str]) -> list[str]:
    """The default results (``heavy.DEFAULT_METRICS``), plus ``light.DEFAULT_METRICS`` (spread and
    payback) when light inputs vary."""
    out = list(DEFAULT_METRICS)
    if any(p.startswith("light.") for p in paths):
        out += results.LIGHT_METRICS
    return out


def iter_sweep(scenario: Scenario, axes: Grid | Mapping[str, Any] | Iterable[str], metrics: Sequence[str] | None = None,
               *, chunk_size: int = DEFAULT_CHUNK, engine: str | Executor = "local", scheduler: str | None = None,
               progress: Progress | None = None) -> Iterator[pd.DataFrame]:
    """Chunks of a sweep's results, in grid order (see :func:`run`)."""
    grid = _as_grid(axes)
    mets = metric_paths(metrics, default_metrics_for(grid.axes))
    tasks = ((scenario, grid, a, b, mets) for a, b in chunks(grid.size, chunk_size))
    for df in run_tasks(engine, scheduler, _grid_chunk, tasks):
        if progress is not None:
            progress(len(df))
        yield df


def run(scenario: Scenario, axes: Grid | Mapping[str, Any] | Iterable[str], metrics: Sequence[str] | None = None,
        *, chunk_size: int = DEFAULT_CHUNK, engine: str | Executor = "local", scheduler: str | None = None,
        progress: Progress | None = None) -> pd.DataFrame:
    """Evaluate every combination of the axes; one row per scenario.

    Parameters
    ----------
    scenario : base scenario.
    axes : ``{path: values}``, a :class:`Grid`, or grid specs such as ``"heavy.occupancy=0.5:1:11"``.
    metrics : result paths (default :data:`DEFAULT_METRICS`, plus light results if light inputs vary).
    chunk_size : scenarios per batch.
    engine, scheduler : ``"local"`` or ``"dask"`` (with a scheduler address, or an in-process cluster).
    progress : called with the number of scenarios finished after each chunk.

    Returns
    -------
    DataFrame
        Columns: the axis paths (input values), then the result paths. Money in CNY, payback in
        months (NaN = never within the horizon), rates as fractions (IRR annual; NaN = none).
    """
    grid = _as_grid(axes)
    mets = metric_paths(metrics, default_metrics_for(grid.axes))
    check_in_memory(2.0 * grid.size * (len(grid.axes) + len(mets)) * BYTES_PER_VALUE,  # the parts and their concat
                    f"the results of {count_text(grid.size)} scenarios", "stream them to a file with sweep.write "
                    "(finmodel sweep --out)")
    parts = list(iter_sweep(scenario, grid, metrics, chunk_size=chunk_size, engine=engine, scheduler=scheduler,
                            progress=progress))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


@dataclass(frozen=True)
class SweepSummary:
    path: Path
    rows: int
    columns: list[str]
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


def write(scenario: Scenario, axes: Grid | Mapping[str, Any] | Iterable[str], path: str | os.PathLike[str],
          metrics: Sequence[str] | None = None, *, chunk_size: int = DEFAULT_CHUNK, engine: str | Executor = "local",
          scheduler: str | None = None, progress: Progress | None = None) -> SweepSummary:
    """Run a sweep and stream it to ``path`` (.parquet or .csv), atomically; memory stays at a few
    chunks however large the grid."""
    grid = _as_grid(axes)
    t0 = time.perf_counter()
    rows = 0
    cols: list[str] = []
    with AtomicTableWriter(path) as out:
        for df in iter_sweep(scenario, grid, metrics, chunk_size=chunk_size, engine=engine, scheduler=scheduler,
                             progress=progress):
            out.write(df)
            rows += len(df)
            cols = list(df.columns)
    return SweepSummary(Path(path), rows, cols, time.perf_counter() - t0)
