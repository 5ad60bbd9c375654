"""Result names: the ``model.key`` paths of the declared items, resolved, described and grouped.

Every renderer and analysis names a result the same way — ``heavy.payback_months``,
``light.spread_cny_per_p_year`` — and a bare key (``payback_months``) means the heavy-asset result,
or the light-asset one when only light has it. This module is the one place that splits such a
name, finds its declaration (:class:`~finmodel.model.engine.Item`: labels, unit, ``fmt``,
``nan_means``) and turns the result sets declared beside the items (``heavy.DEFAULT_METRICS`` …)
into full paths.

>>> metric_path("payback_months")
'heavy.payback_months'
>>> metric_info("heavy.irr").nan_means
'none'
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from finmodel.model import heavy, light
from finmodel.model.engine import Fmt, Item, NanMeans
from finmodel.model.registry import MODELS, item

__all__ = [
    "UnknownMetricError",
    "MetricInfo",
    "DEFAULT_METRICS",
    "LIGHT_METRICS",
    "split",
    "qualified",
    "all_metrics",
    "metric_path",
    "metric_paths",
    "metric_info",
    "ordered",
]


class UnknownMetricError(ValueError):
    """A result name that is not a scalar result of either model."""


def split(path: str) -> tuple[str, str]:
    """``"heavy.payback_months"`` → ``("heavy", "payback_months")``; a bare key gives ``("", key)``."""
    model, sep, key = path.partition(".")
    return (model, key) if sep else ("", model)


def qualified(model: str, keys: Iterable[str]) -> tuple[str, ...]:
    """Full paths of ``keys`` of one model: ``qualified("heavy", ["irr"])`` → ``("heavy.irr",)``."""
    return tuple(f"{model}.{k}" for k in keys)


#: What sweeps, tornado and Monte Carlo report unless told otherwise (``heavy.DEFAULT_METRICS``).
DEFAULT_METRICS: tuple[str, ...] = qualified("heavy", heavy.DEFAULT_METRICS)
#: Added to a sweep's results when light-asset inputs vary (``light.DEFAULT_METRICS``).
LIGHT_METRICS: tuple[str, ...] = qualified("light", light.DEFAULT_METRICS)


def all_metrics() -> list[str]:
    """Every scalar result path, e.g. ``heavy.payback_months`` (switch flags and other helpers
    excluded)."""
    return [f"{m}.{i.key}" for m in MODELS for i in MODELS[m] if i.kind == "scalar" and not i.helper]


def metric_path(name: str) -> str:
    """Full ``model.key`` path of a result name; bare keys prefer the heavy-asset model.

    Raises :class:`UnknownMetricError` with close matches for a name that is not a scalar result."""
    name = name.strip()
    known = all_metrics()
    if name in known:
        return name
    model, key = split(name)
    if not model:
        for m in MODELS:
            if f"{m}.{key}" in known:
                return f"{m}.{key}"
    close = difflib.get_close_matches(name, known + [split(p)[1] for p in known], n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(dict.fromkeys(close))}?" if close else "; e.g. heavy.payback_months, heavy.irr"
    raise UnknownMetricError(f"unknown result {name!r}{hint}")


def metric_paths(names: Iterable[str] | str | None, default: Sequence[str] = DEFAULT_METRICS) -> list[str]:
    """Resolve result names (or the default set), without duplicates, in order."""
    if names is None:
        names = default
    if isinstance(names, str):
        names = [names]
    out = [metric_path(n) for n in names]
    if not out:
        raise UnknownMetricError("no results chosen")
    return list(dict.fromkeys(out))


@dataclass(frozen=True)
class MetricInfo:
    """What a renderer needs to know about a result path, read from its :class:`Item`."""

    path: str
    model: str
    key: str
    label_en: str
    label_zh: str
    unit: str
    fmt: Fmt
    nan_means: NanMeans  # what NaN stands for: "never" (payback), "none" (IRR) or "n/a"
    na_when: str = ""  # a flag result of the same model: where it is 1, NaN means "n/a" instead
    unattainable_above: float | None = None  # above this the value reads "unattainable" (break-even)


def metric_info(path: str) -> MetricInfo:
    """Labels, unit, display format and NaN meaning of a result name (resolved by :func:`metric_path`)."""
    path = metric_path(path)
    m, key = split(path)
    it: Item = item(m, key)
    return MetricInfo(path, m, key, it.en, it.zh, it.unit, it.fmt, it.nan_means, it.na_when, it.unattainable_above)


def ordered(values: np.ndarray, info: MetricInfo) -> np.ndarray:
    """Values of a result with "never" (NaN payback) as +inf, so that it orders after every number
    of months in sorting, percentiles, probabilities and goal seeks; other results unchanged."""
    if info.nan_means == "never":
        return np.where(np.isnan(values), np.inf, values)
    return values
