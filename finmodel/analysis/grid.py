"""Grids of inputs for sweeps: ``PATH=START:STOP:COUNT`` / ``PATH=V1,V2,...`` specs checked
against the schema (a scenario's, or a portfolio's when the base is one), sized in Python integers
before any axis is built, and rows computed from flat indices (the first axis varies slowest, like
``itertools.product``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from finmodel import schema
from finmodel.analysis import subject as subjects
from finmodel.analysis.limits import BYTES_PER_VALUE, MAX_AXIS_VALUES, MAX_SCENARIOS, TooLarge, bytes_text, count_text
from finmodel.analysis.subject import Base, Subject
from finmodel.model.results import DEFAULT_METRICS
from finmodel.schema.errors import clip

On = Base | None  # what a path is checked against: a scenario (None: the schema), a portfolio


def check_grid_size(size: int, columns: int, limit: int = MAX_SCENARIOS) -> None:
    """Refuse a grid of more than ``limit`` scenarios (:class:`GridTooLarge`), naming its size and
    the estimated bytes of its results (``columns`` values of 8 bytes per scenario)."""
    if size <= limit:
        return
    raise GridTooLarge(f"a grid of {count_text(size)} scenarios is too large: its results would take "
                       f"≈ {bytes_text(float(size) * columns * BYTES_PER_VALUE)}; allowed: ≤ {limit:,} scenarios "
                       f"per sweep (≈ {bytes_text(limit * columns * BYTES_PER_VALUE)}); make the grid coarser or "
                       "split it", size, limit)


def parse_axis(spec: str, on: On = None) -> tuple[str, np.ndarray]:
    """Parse ``PATH=START:STOP:COUNT``, ``PATH=V1,V2,...`` or ``PATH=VALUE``.

    Returns the field path and its values (floats, or option strings for choice fields). Values are
    checked against the schema here (``on``: a portfolio's paths and checks), so a bad grid fails
    before any work starts."""
    path, count, build = _axis(spec, subjects.subject(on))
    check_grid_size(count, 1 + len(DEFAULT_METRICS))
    return path, build()


def _axis(spec: str, subj: Subject) -> tuple[str, int, Callable[[], np.ndarray]]:
    """An axis checked but not yet built: path, number of values, and how to build them (so that a
    grid's size is known, in Python integers, before any array exists)."""
    path, rhs = split_assignment(spec, f"malformed grid spec {clip(spec, 80)!r}: expected PATH=START:STOP:COUNT "
                                       "or PATH=V1,V2,... (e.g. heavy.occupancy=0.5:1.0:11)")
    fs = subj.field_spec(path)
    if fs.kind == "str":
        raise ValueError(f"{path} is text ({fs.range_text()}) and cannot be swept; make one scenario file per value")
    if ":" in rhs:
        return _range_axis(clip(spec, 80), path, fs, rhs, subj)
    items = [v.strip() for v in rhs.split(",")]
    if any(not v for v in items):
        raise ValueError(f"malformed grid spec {clip(spec, 80)!r}: empty value in the list")
    if fs.kind == "choice":
        values = np.array(items, dtype=object)
        check_values(path, values, subj)
        return path, len(items), lambda: values
    try:
        floats = np.array([float(v) for v in items])
    except ValueError:
        raise ValueError(f"malformed grid spec {clip(spec, 80)!r}: values must be numbers "
                         f"({fs.range_text()})") from None
    check_values(path, floats, subj)  # finite and in bounds before any integer cast
    whole = fs.kind == "int" and bool(np.all(floats == np.round(floats)))
    return path, len(items), (lambda: floats.astype(np.int64)) if whole else (lambda: floats)


def _range_axis(spec: str, path: str, fs: schema.FieldSpec, rhs: str,
                subj: Subject) -> tuple[str, int, Callable[[], np.ndarray]]:
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
    check_values(path, np.array([start, stop]), subj)  # finite and in bounds: so is every value between
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


def check_values(path: str, values: Any, on: On = None) -> None:
    """Check values of one input against the schema, or ``on`` a portfolio's rules (raises
    :class:`schema.ScenarioError` naming the field, and the cohort)."""
    subjects.check_values(subjects.subject(on), path, values)


def numeric_spec(path: str, on: On = None) -> schema.FieldSpec:
    """The declaration of a numeric input (tornado, goal seek); a ValueError for a choice or text."""
    fs = subjects.subject(on).field_spec(path)
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
    def parse(cls, specs: Iterable[str], limit: int = MAX_SCENARIOS, on: On = None) -> Grid:
        """The grid of ``PATH=...`` specs (see :func:`parse_axis`; ``on`` a portfolio for its
        paths); a grid of more than ``limit`` scenarios is refused (:class:`GridTooLarge`) before
        any axis is built."""
        subj = subjects.subject(on)
        parsed: dict[str, tuple[int, Callable[[], np.ndarray]]] = {}
        for spec in specs:
            path, count, build = _axis(spec, subj)
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
