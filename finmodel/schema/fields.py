"""The field-declaration toolkit shared by every schema (scenario, demand workloads, ...).

A field is declared once with :func:`fld` — type (from the annotation), unit, bounds, default,
bilingual label and help, group and step — and read back as a :class:`FieldSpec`, which knows its
allowed range in words (:meth:`FieldSpec.range_text`), as an interval and as an array check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args, get_origin

import numpy as np
from pydantic import BaseModel, Field


def fld(
    default: Any,
    *,
    unit: str,
    en: str,
    zh: str,
    help: str,
    group: str,
    help_zh: str = "",
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    lt: float | None = None,
    step: float | None = None,
    catalogue: tuple[str, ...] = (),
) -> Any:
    """Declare one scenario input with its unit, bounds, labels and help text."""
    extra = {"unit": unit, "label_en": en, "label_zh": zh, "group": group, "help_zh": help_zh}
    if step is not None:
        extra["step"] = step
    if catalogue:
        extra["catalogue"] = list(catalogue)
    kw: dict[str, Any] = {}
    for k, v in (("ge", ge), ("le", le), ("gt", gt), ("lt", lt)):
        if v is not None:
            kw[k] = v
    return Field(default, description=help, json_schema_extra=extra, **kw)


Finite = Annotated[float, Field(allow_inf_nan=False)]


Finite = Annotated[float, Field(allow_inf_nan=False)]


@dataclass(frozen=True)
class FieldSpec:
    """Everything declared about one input, addressed by its dotted path."""

    path: str
    section: str
    name: str
    kind: Literal["float", "int", "choice", "str"]
    optional: bool
    default: Any
    unit: str
    label_en: str
    label_zh: str
    help: str
    help_zh: str
    group: str
    ge: float | None
    le: float | None
    gt: float | None
    lt: float | None
    step: float | None
    choices: tuple[str, ...]
    catalogue: tuple[str, ...] = ()  # text fields that must name a catalogue entry

    @property
    def numeric(self) -> bool:
        return self.kind in ("float", "int")

    def range_text(self) -> str:
        """Allowed values in words, e.g. ``0 ≤ value ≤ 1``."""
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind == "str":
            return "a catalogue key: " + ", ".join(self.catalogue) if self.catalogue else "text"
        lo = f"{_fmt(self.ge)} ≤ " if self.ge is not None else (f"{_fmt(self.gt)} < " if self.gt is not None else "")
        hi = f" ≤ {_fmt(self.le)}" if self.le is not None else (f" < {_fmt(self.lt)}" if self.lt is not None else "")
        kind = "an integer" if self.kind == "int" else "a number"
        bounds = f"{lo}value{hi}" if (lo or hi) else "any finite value"
        unit = f" [{self.unit}]" if self.unit else ""
        opt = " or empty" if self.optional else ""
        return f"{kind}, {bounds}{unit}{opt}"

    def closed_bounds(self) -> tuple[float, float]:
        """The allowed values as a closed interval [lo, hi] (open bounds moved to the next float,
        integer fields rounded inward; ±inf where unbounded)."""
        lo, hi = -math.inf, math.inf
        if self.ge is not None:
            lo = self.ge
        if self.gt is not None:
            lo = float(np.nextafter(self.gt, math.inf))
        if self.le is not None:
            hi = self.le
        if self.lt is not None:
            hi = float(np.nextafter(self.lt, -math.inf))
        if self.kind == "int":
            lo, hi = float(math.ceil(lo)), float(math.floor(hi))
        return float(lo), float(hi)

    def check(self, value: float) -> bool:
        """Whether a number lies in the declared bounds (vectorised callers use arrays)."""
        v = np.asarray(value, dtype=float)
        ok = np.isfinite(v)
        if self.ge is not None:
            ok &= v >= self.ge
        if self.le is not None:
            ok &= v <= self.le
        if self.gt is not None:
            ok &= v > self.gt
        if self.lt is not None:
            ok &= v < self.lt
        if self.kind == "int":
            ok &= v == np.round(v)
        return bool(np.all(ok))


def _fmt(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,.10g}"


def describe_fields(model: type[BaseModel], default_group: str) -> dict[str, dict[str, Any]]:
    """What a pydantic model declares about each field, read once from its annotations and ``fld()``
    metadata: kind (float/int/choice/str), optional, default (None when required), unit, labels,
    help, group, step, bounds and choices. Used for scenario fields and for demand workload columns."""
    out: dict[str, dict[str, Any]] = {}
    for name, info in model.model_fields.items():
        ann, optional = info.annotation, False
        if type(None) in get_args(ann):
            optional, ann = True, next(a for a in get_args(ann) if a is not type(None))
        choices: tuple[str, ...] = tuple(get_args(ann)) if get_origin(ann) is Literal else ()
        kind = "choice" if choices else "int" if ann is int else "str" if ann is str else "float"
        bounds = {b: next((float(getattr(m, b)) for m in info.metadata if getattr(m, b, None) is not None), None)
                  for b in ("ge", "le", "gt", "lt")}
        extra = info.json_schema_extra or {}
        out[name] = dict(
            kind=kind, optional=optional, default=None if info.is_required() else info.default,
            unit=extra.get("unit", ""), label_en=extra.get("label_en", name), label_zh=extra.get("label_zh", name),
            help=info.description or "", help_zh=extra.get("help_zh", ""), group=extra.get("group", default_group),
            step=extra.get("step"), choices=choices, catalogue=tuple(extra.get("catalogue", ())), **bounds,
        )
    return out

