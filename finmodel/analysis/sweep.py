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
  its own rows from flat indices.
* **Chunks and executors.** ``chunk_size`` scenarios per batch (memory ≈ chunk × 100 rows × months ×
  8 bytes per worker). ``engine="local"`` runs chunks on a thread pool (numpy releases the GIL);
  ``engine="dask"`` (``scheduler="tcp://host:8786"``; optional extra ``finmodel[dask]``, workers
  need finmodel installed) maps the same chunk function over the cluster — see
  :mod:`finmodel.analysis.executors`. Results come back in order and are identical for every
  executor and worker count.
* **Output.** :func:`write` streams chunks to Parquet or CSV through :class:`AtomicTableWriter`:
  a temporary file in the target directory, renamed over the target only when complete, deleted on
  any error or Ctrl-C — never a half-written file.
* **Horizon.** ``general.horizon_months`` is the time axis of a batch; when it varies, rows are
  grouped by horizon and each group is one batch.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from finmodel import model, schema
from finmodel.analysis.executors import DaskExecutor, Executor, LocalExecutor, chunks, get_executor, run_tasks
from finmodel.analysis.limits import (
    BYTES_PER_VALUE,
    MAX_AXIS_VALUES,
    MAX_SCENARIOS,
    TooLarge,
    bytes_text,
    check_in_memory,
    count_text,
)
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
from finmodel.schema.errors import clip
from finmodel.schema.files import AtomicTableWriter

__all__ = [
    "DEFAULT_METRICS",
    "MAX_SCENARIOS",
    "GridTooLarge",
    "check_grid_size",
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
HORIZON = "general.horizon_months"

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


# --------------------------------------------------------------------------- grids
def check_grid_size(size: int, columns: int, limit: int = MAX_SCENARIOS) -> None:
    """Refuse a grid of more than ``limit`` scenarios (:class:`GridTooLarge`), naming its size and
    the estimated bytes of its results (``columns`` values of 8 bytes per scenario)."""
    if size <= limit:
        return
    raise GridTooLarge(f"a grid of {count_text(size)} scenarios is too large: its results would take "
                       f"≈ {bytes_text(float(size) * columns * BYTES_PER_VALUE)}; allowed: ≤ {limit:,} scenarios "
                       f"per sweep (≈ {bytes_text(limit * columns * BYTES_PER_VALUE)}); make the grid coarser or "
                       "split it", size, limit)


def parse_axis(spec: str) -> tuple[str, np.ndarray]:
    """Parse ``PATH=START:STOP:COUNT``, ``PATH=V1,V2,...`` or ``PATH=VALUE``.

    Returns the field path and its values (floats, or option strings for choice fields). Values are
    checked against the schema here, so a bad grid fails before any work starts."""
    path, count, build = _axis(spec)
    check_grid_size(count, 1 + len(DEFAULT_METRICS))
    return path, build()


def _axis(spec: str) -> tuple[str, int, Callable[[], np.ndarray]]:
    """An axis checked but not yet built: path, number of values, and how to build them (so that a
    grid's size is known, in Python integers, before any array exists)."""
    path, rhs = split_assignment(spec, f"malformed grid spec {clip(spec, 80)!r}: expected PATH=START:STOP:COUNT "
                                       "or PATH=V1,V2,... (e.g. heavy.occupancy=0.5:1.0:11)")
    fs = schema.field_spec(path)
    if fs.kind == "str":
        raise ValueError(f"{path} is text ({fs.range_text()}) and cannot be swept; make one scenario file per value")
    if ":" in rhs:
        return _range_axis(clip(spec, 80), path, fs, rhs)
    items = [v.strip() for v in rhs.split(",")]
    if any(not v for v in items):
        raise ValueError(f"malformed grid spec {clip(spec, 80)!r}: empty value in the list")
    if fs.kind == "choice":
        values = np.array(items, dtype=object)
        check_values(path, values)
        return path, len(items), lambda: values
    try:
        floats = np.array([float(v) for v in items])
    except ValueError:
        raise ValueError(f"malformed grid spec {clip(spec, 80)!r}: values must be numbers "
                         f"({fs.range_text()})") from None
    check_values(path, floats)  # finite and in bounds before any integer cast
    whole = fs.kind == "int" and bool(np.all(floats == np.round(floats)))
    return path, len(items), (lambda: floats.astype(np.int64)) if whole else (lambda: floats)


def _range_axis(spec: str, path: str, fs: schema.FieldSpec, rhs: str) -> tuple[str, int, Callable[[], np.ndarray]]:
    parts = rhs.split(":")
    if len(parts) != 3 or fs.kind == "choice":
        raise ValueError(f"malformed grid spec {spec!r}: a range is START:STOP:COUNT with three numbers"
                         + (f"; {path} takes {fs.range_text()}" if fs.kind == "choice" else ""))
    try:
        start, stop = float(parts[0]), float(parts[1])
        count = int(parts[2])
    except ValueError:
        raise ValueError(f"malformed grid spec {spec!r}: START and STOP must be numbers and COUNT a whole "
                         "number (e.g. 0.5:1.0:11)") from None
    if count < 1:
        raise ValueError(f"malformed grid spec {spec!r}: COUNT must be at least 1")
    check_values(path, np.array([start, stop]))  # finite and in bounds: so is every value between
    step = (stop - start) / (count - 1) if count > 1 else 0.0
    if fs.kind == "int" and count > 1 and step != round(step):
        raise ValueError(f"grid spec {spec!r}: {path} is an integer field but {start:g}:{stop:g}:{count} "
                         f"gives fractional steps; choose COUNT = {int(abs(stop - start)) + 1} or list values")

    def build() -> np.ndarray:
        if count > MAX_AXIS_VALUES:
            raise TooLarge(f"{path}: {count:,} values on one axis; allowed: ≤ {MAX_AXIS_VALUES:,} per axis "
                               "(combine axes for a larger grid)", count, MAX_AXIS_VALUES)
        values = np.linspace(start, stop, count)
        return np.round(values).astype(np.int64) if fs.kind == "int" else values

    return path, count, build


def split_assignment(spec: str, error: str) -> tuple[str, str]:
    """``"PATH = VALUE"`` → ``("PATH", "VALUE")`` (stripped); a ValueError saying ``error`` when
    either side is empty or there is no ``=`` (grid specs, distributions, ``--set``)."""
    path, sep, rhs = spec.partition("=")
    path, rhs = path.strip(), rhs.strip()
    if not sep or not path or not rhs:
        raise ValueError(error)
    return path, rhs


def check_values(path: str, values: Any) -> None:
    """Check values of one input against the schema (raises :class:`schema.ScenarioError`)."""
    if path == HORIZON:  # one horizon per batch: check each value on its own
        for v in np.unique(np.asarray(values, dtype=float)):
            model.batch_params(schema.default(), {path: v})
    else:
        model.batch_params(schema.default(), {path: values})


def numeric_spec(path: str) -> schema.FieldSpec:
    """The declaration of a numeric input (tornado, goal seek); a ValueError for a choice or text."""
    fs = schema.field_spec(path)
    if not fs.numeric:
        raise ValueError(f"{path} takes {fs.range_text()}: not a number; compare its options with "
                         f"finmodel sweep --grid {path}=...")
    return fs


class GridTooLarge(TooLarge):
    """A grid with more scenarios than one sweep runs (``size`` and ``limit`` are counts)."""


@dataclass(frozen=True)
class Grid:
    """A full-factorial grid of input values; the first axis varies slowest."""

    axes: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def parse(cls, specs: Iterable[str], limit: int = MAX_SCENARIOS) -> Grid:
        """The grid of ``PATH=...`` specs (see :func:`parse_axis`); a grid of more than ``limit``
        scenarios is refused (:class:`GridTooLarge`) before any axis is built."""
        parsed: dict[str, tuple[int, Callable[[], np.ndarray]]] = {}
        for spec in specs:
            path, count, build = _axis(spec)
            if path in parsed:
                raise ValueError(f"{path} appears twice in the grid")
            parsed[path] = (count, build)
        size = math.prod(count for count, _ in parsed.values())
        check_grid_size(size, len(parsed) + len(DEFAULT_METRICS), limit)
        return cls({path: build() for path, (_, build) in parsed.items()})

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(v) for v in self.axes.values())

    @property
    def size(self) -> int:
        """Number of scenarios (a Python integer: never wraps around)."""
        return math.prod(self.shape)

    def rows(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Input values of flat grid rows ``start..stop-1``."""
        idx = np.arange(start, stop)
        if not self.axes:
            return {}
        coords = np.unravel_index(idx, self.shape)
        return {p: v[c] for (p, v), c in zip(self.axes.items(), coords, strict=True)}


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
