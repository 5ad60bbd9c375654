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
* **Portfolios.** Every function here also takes a :class:`~finmodel.schema.portfolio.Portfolio`
  as its base: inputs are then portfolio paths (``shocks.price_factor`` = all rental prices × f,
  ``cohorts.<name>.heavy.price_cny_per_card_hour``), results ``company.*`` / ``cohorts.<name>.*``,
  evaluated by ``model.portfolio_analysis.evaluate`` (see :mod:`finmodel.analysis.subject`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from finmodel.analysis import subject as subjects
from finmodel.analysis.executors import DaskExecutor, Executor, LocalExecutor, chunks, get_executor, run_tasks
from finmodel.analysis.grid import (
    Grid,
    GridTooLarge,
    check_grid_size,
    check_values,
    numeric_spec,
    parse_axis,
    split_assignment,
)
from finmodel.analysis.limits import BYTES_PER_VALUE, MAX_SCENARIOS, check_in_memory, count_text
from finmodel.analysis.subject import HORIZON, Base, Subject, subject
from finmodel.model.results import (
    DEFAULT_METRICS,
    MetricInfo,
    UnknownMetricError,
    all_metrics,
    metric_info,
    metric_path,
    metric_paths,
)
from finmodel.schema.files import AtomicTableWriter

if TYPE_CHECKING:  # pandas loads when a sweep builds its table (``finmodel sweep --help`` needs none)
    import pandas as pd

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
def evaluate(base: Base, overrides: Mapping[str, Any] | None, metrics: Sequence[str]) -> dict[str, np.ndarray]:
    """Results of ``base`` with some inputs replaced by arrays (one batch, vectorised).

    Parameters
    ----------
    base : the base scenario, or a portfolio (``model.portfolio_analysis.evaluate``, in chunks of
        bounded memory); inputs not overridden keep its values.
    overrides : dotted input path → value or array (n,); choices as option strings.
    metrics : result paths (see :func:`metric_path`; a portfolio's: ``company.npv_cny``,
        ``cohorts.<name>.irr``).

    Returns
    -------
    dict
        result path → array (n,). Raises :class:`schema.ScenarioError` for values outside the
        schema bounds and :class:`schema.UnknownFieldError` for unknown paths.
    """
    subj = subject(base)
    return subjects.evaluate(subj, overrides, subj.metric_paths(metrics))


# --------------------------------------------------------------------------- the sweep
def _grid_chunk(base: Base, grid: Grid, start: int, stop: int, metrics: list[str]) -> pd.DataFrame:
    """One chunk of a sweep: its input rows and their results (a task for any executor)."""
    import pandas as pd

    inputs = grid.rows(start, stop)
    results = evaluate(base, inputs, metrics)
    return pd.DataFrame({**inputs, **results})


def _as_grid(axes: Grid | Mapping[str, Any] | Iterable[str], subj: Subject) -> Grid:
    if isinstance(axes, Grid):
        return axes
    if isinstance(axes, Mapping):
        out: dict[str, np.ndarray] = {}
        for path, values in axes.items():
            fs = subj.field_spec(path)
            arr = np.atleast_1d(np.asarray(values, dtype=object if fs.kind == "choice" else float))
            check_values(path, arr, subj)
            if fs.kind == "int":
                arr = arr.astype(np.int64)
            out[path] = arr
        grid = Grid(out)
        check_grid_size(grid.size, len(out) + len(DEFAULT_METRICS))
        return grid
    return Grid.parse(axes, on=subj)


def default_metrics_for(paths: Iterable[str], base: Base | None = None) -> list[str]:
    """The default results of a sweep over ``paths``: a scenario's ``heavy.DEFAULT_METRICS``, plus
    ``light.DEFAULT_METRICS`` (spread and payback) when light inputs vary; a portfolio's
    ``portfolio_analysis.DEFAULT_METRICS``."""
    return subject(base).sweep_metrics(paths)


def iter_sweep(base: Base, axes: Grid | Mapping[str, Any] | Iterable[str], metrics: Sequence[str] | None = None,
               *, chunk_size: int = DEFAULT_CHUNK, engine: str | Executor = "local", scheduler: str | None = None,
               progress: Progress | None = None) -> Iterator[pd.DataFrame]:
    """Chunks of a sweep's results, in grid order (see :func:`run`)."""
    subj = subject(base)
    grid = _as_grid(axes, subj)
    mets = subj.metric_paths(metrics, subj.sweep_metrics(grid.axes))
    tasks = ((base, grid, a, b, mets) for a, b in chunks(grid.size, chunk_size))
    for df in run_tasks(engine, scheduler, _grid_chunk, tasks):
        if progress is not None:
            progress(len(df))
        yield df


def run(base: Base, axes: Grid | Mapping[str, Any] | Iterable[str], metrics: Sequence[str] | None = None,
        *, chunk_size: int = DEFAULT_CHUNK, engine: str | Executor = "local", scheduler: str | None = None,
        progress: Progress | None = None) -> pd.DataFrame:
    """Evaluate every combination of the axes; one row per scenario (or portfolio).

    Parameters
    ----------
    base : base scenario, or a portfolio (axes are then portfolio paths such as
        ``shocks.price_factor`` or ``cohorts.<name>.heavy.occupancy``).
    axes : ``{path: values}``, a :class:`Grid`, or grid specs such as ``"heavy.occupancy=0.5:1:11"``.
    metrics : result paths (default :data:`DEFAULT_METRICS`, plus light results if light inputs vary;
        a portfolio's ``portfolio_analysis.DEFAULT_METRICS``).
    chunk_size : scenarios per batch.
    engine, scheduler : ``"local"`` or ``"dask"`` (with a scheduler address, or an in-process cluster).
    progress : called with the number of scenarios finished after each chunk.

    Returns
    -------
    DataFrame
        Columns: the axis paths (input values), then the result paths. Money in CNY, payback in
        months (NaN = never within the horizon), rates as fractions (IRR annual; NaN = none).
    """
    subj = subject(base)
    grid = _as_grid(axes, subj)
    mets = subj.metric_paths(metrics, subj.sweep_metrics(grid.axes))
    check_in_memory(2.0 * grid.size * (len(grid.axes) + len(mets)) * BYTES_PER_VALUE,  # the parts and their concat
                    f"the results of {count_text(grid.size)} scenarios", "stream them to a file with sweep.write "
                    "(finmodel sweep --out)")
    import pandas as pd

    parts = list(iter_sweep(base, grid, metrics, chunk_size=chunk_size, engine=engine, scheduler=scheduler,
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


def write(base: Base, axes: Grid | Mapping[str, Any] | Iterable[str], path: str | os.PathLike[str],
          metrics: Sequence[str] | None = None, *, chunk_size: int = DEFAULT_CHUNK, engine: str | Executor = "local",
          scheduler: str | None = None, progress: Progress | None = None) -> SweepSummary:
    """Run a sweep and stream it to ``path`` (.parquet or .csv), atomically; memory stays at a few
    chunks however large the grid."""
    grid = _as_grid(axes, subject(base))
    t0 = time.perf_counter()
    rows = 0
    cols: list[str] = []
    with AtomicTableWriter(path) as out:
        for df in iter_sweep(base, grid, metrics, chunk_size=chunk_size, engine=engine, scheduler=scheduler,
                             progress=progress):
            out.write(df)
            rows += len(df)
            cols = list(df.columns)
    return SweepSummary(Path(path), rows, cols, time.perf_counter() - t0)
