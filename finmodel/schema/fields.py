"""The field-declaration toolkit shared by every schema (scenario, demand workloads, ...).

A field is declared once with :func:`fld` — type (from the annotation), unit, bounds, default,
bilingual label, help and choice labels, group and step — and read back as a :class:`FieldSpec`
(:func:`field_specs`), which knows its allowed range in words in English and Chinese
(:meth:`FieldSpec.range_text`), as an interval (:meth:`FieldSpec.closed_bounds`) and as an array
check (:meth:`FieldSpec.in_bounds`). A calendar month (kind ``month``) is annotated
:class:`~finmodel.schema.months.Month` (``'YYYY-MM'``; see :mod:`finmodel.schema.months`).

>>> from pydantic import BaseModel
>>> class Row(BaseModel):
...     share: float = fld(0.5, unit="fraction", en="Share", zh="份额", help="Share of the market.",
...                        group="row", ge=0, le=1)
>>> spec = field_specs(Row)["share"]
>>> spec.range_text(), spec.range_text("zh")
('a number, 0 ≤ value ≤ 1 [fraction]', '数值，0 ≤ 值 ≤ 1 [fraction]')
>>> spec.in_bounds([0.2, 1.5]).tolist()
[True, False]
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, Field

from finmodel.schema.errors import UnknownFieldError, show_value
from finmodel.schema.months import Month

if TYPE_CHECKING:  # numpy loads for the array checks, not with the schema (``finmodel validate`` needs none)
    import numpy as np
    import numpy.typing as npt

Lang = Literal["en", "zh"]
Kind = Literal["float", "int", "choice", "str", "month", "list"]
#: How bounds are written: ``grouped`` 100,000,000; ``scientific`` 1e8 from a million up (as the seed
#: writes 10^16 for token counts).
BigNumbers = Literal["grouped", "scientific"]


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
    catalogue_text: tuple[str, str] = ("目录中的选项", "a catalogue key"),
    choice_labels: Mapping[str, tuple[str, str]] | None = None,
    chars: tuple[int, int] | None = None,
    factory: Callable[[], Any] | None = None,
    max_items: int | None = None,
) -> Any:
    """Declare one input with its unit, bounds, labels and help text.

    ``catalogue`` lists the keys a text field must name (``catalogue_text`` says what they are,
    (中文, English)); ``choice_labels`` maps each option of a ``Literal`` field to its (中文, English)
    label; ``chars`` is the (min, max) length of a text field, checked by the model's own validator;
    ``factory`` makes the default when a value is validated (``Month.current``: the current month),
    in place of ``default``. A list field (``list[float]``, ``factory=list``) declares the bounds of
    each item and ``max_items``; its own validator checks them."""
    extra: dict[str, Any] = {"unit": unit, "label_en": en, "label_zh": zh, "group": group, "help_zh": help_zh}
    if step is not None:
        extra["step"] = step
    if catalogue:
        extra["catalogue"] = list(catalogue)
        extra["catalogue_text"] = list(catalogue_text)
    if choice_labels:
        extra["choice_labels"] = {k: list(v) for k, v in choice_labels.items()}
    if chars is not None:
        extra["chars"] = list(chars)
    bounds: dict[str, Any] = {k: v for k, v in (("ge", ge), ("le", le), ("gt", gt), ("lt", lt)) if v is not None}
    if max_items is not None:  # a list: the bounds are its items', kept for the words of the allowed range
        extra.update(item_bounds=bounds, max_items=max_items)
        bounds = {}
    if factory is not None:
        return Field(default_factory=factory, description=help, json_schema_extra=extra, **bounds)
    return Field(default, description=help, json_schema_extra=extra, **bounds)


Finite = Annotated[float, Field(allow_inf_nan=False)]

# the words of an allowed range, per language
_WORDS: dict[str, dict[str, str]] = {
    "en": {"int": "an integer", "float": "a number",
           "list": "a list of at most {n} numbers, each", "month": "a month written YYYY-MM", "to": " to ",
           "value": "value", "sep": ", ", "empty": " or empty",
           "any": "any finite value", "choice": "one of ", "text": "text", "colon": ": "},
    "zh": {"int": "整数", "float": "数值",
           "list": "至多{n}个数值的列表，每个", "month": "月份（YYYY-MM）", "to": " 至 ", "value": "值", "sep": "，",
           "empty": "，可留空",
           "any": "任意有限值", "choice": "可选：", "text": "文本", "colon": "："},
}


def _lang(lang: str) -> str:
    return "zh" if lang == "zh" else "en"


@dataclass(frozen=True)
class FieldSpec:
    """Everything declared about one input, addressed by its dotted path (or its name in a flat
    schema such as a workload row)."""

    path: str
    section: str
    name: str
    kind: Kind
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
    catalogue_text: tuple[str, str] = ("目录中的选项", "a catalogue key")  # what the keys are (中文, English)
    choice_labels: tuple[tuple[str, str], ...] = ()  # (中文, English) per option, in the order of ``choices``
    chars: tuple[int, int] | None = None  # (min, max) length of a text field
    big_numbers: BigNumbers = "grouped"
    computed_default: bool = False  # the default is made when a value is validated (``factory``: the current month)
    max_items: int | None = None  # a list field: its longest length (the bounds are each item's)

    @property
    def numeric(self) -> bool:
        return self.kind in ("float", "int")

    def label(self, lang: str = "en") -> str:
        """The field's label in ``lang`` (``"zh"`` or ``"en"``)."""
        return self.label_zh if _lang(lang) == "zh" else self.label_en

    def choice_label(self, option: str, lang: str = "en") -> str:
        """The label of one option of a choice field, e.g. ``按小时`` / ``Hourly``."""
        if option not in self.choices:
            raise ValueError(f"{self.path}: {option!r} is not one of {', '.join(self.choices)}")
        if not self.choice_labels:
            return option
        zh, en = self.choice_labels[self.choices.index(option)]
        return zh if _lang(lang) == "zh" else en

    def bounds_text(self, lang: str = "en") -> str:
        """The interval with its unit, e.g. ``0 ≤ value ≤ 1 [fraction]`` (numeric fields)."""
        w = _WORDS[_lang(lang)]
        num = lambda x: _number(x, self.big_numbers)  # noqa: E731
        lo = f"{num(self.ge)} ≤ " if self.ge is not None else (f"{num(self.gt)} < " if self.gt is not None else "")
        hi = f" ≤ {num(self.le)}" if self.le is not None else (f" < {num(self.lt)}" if self.lt is not None else "")
        unit = f" [{self.unit}]" if self.unit else ""
        return (f"{lo}{w['value']}{hi}" if (lo or hi) else w["any"]) + unit

    def range_text(self, lang: str = "en") -> str:
        """Allowed values in words: ``a number, 0 ≤ value ≤ 1 [fraction of hours]`` or
        ``数值，0 ≤ 值 ≤ 1 [fraction of hours]``; choices, catalogue keys and text lengths likewise."""
        w = _WORDS[_lang(lang)]
        if self.kind == "choice" and not self.catalogue:
            return w["choice"] + ", ".join(repr(c) for c in self.choices)
        if self.kind == "str" or self.catalogue:
            return self._text_range(lang)
        if self.kind == "month":
            lo, hi = (str(Month(int(b))) for b in self.closed_bounds())
            return f"{w['month']}{w['sep']}{lo}{w['to']}{hi}"
        if self.kind == "list":
            return f"{w['list'].format(n=self.max_items)} {self.bounds_text(lang)}"
        return f"{w[self.kind]}{w['sep']}{self.bounds_text(lang)}{w['empty'] if self.optional else ''}"

    def _text_range(self, lang: str) -> str:
        zh = _lang(lang) == "zh"
        if self.catalogue:
            return f"{self.catalogue_text[0 if zh else 1]}{_WORDS[_lang(lang)]['colon']}" + ", ".join(self.catalogue)
        if self.chars is None:
            return _WORDS[_lang(lang)]["text"]
        lo, hi = self.chars
        if lo > 0:
            return f"{lo}-{hi:,}个字符的文本" if zh else f"text of {lo}-{hi:,} characters"
        return f"不超过{hi:,}个字符的文本" if zh else f"text of at most {hi:,} characters"

    def closed_bounds(self) -> tuple[float, float]:
        """The allowed values as a closed interval [lo, hi] (open bounds moved to the next float,
        integer fields rounded inward; ±inf where unbounded)."""
        lo, hi = -math.inf, math.inf
        if self.ge is not None:
            lo = self.ge
        if self.gt is not None:
            lo = float(math.nextafter(self.gt, math.inf))
        if self.le is not None:
            hi = self.le
        if self.lt is not None:
            hi = float(math.nextafter(self.lt, -math.inf))
        if self.kind in ("int", "month"):
            lo, hi = float(math.ceil(lo)), float(math.floor(hi))
        return float(lo), float(hi)

    def in_bounds(self, values: npt.ArrayLike, *, allow_empty: bool | None = None) -> npt.NDArray[np.bool_]:
        """Element-wise: is each value allowed? Finite, inside the bounds, whole for integer
        fields; NaN (unset) is allowed when ``allow_empty`` (default: for optional fields)."""
        import numpy as np

        v = np.asarray(values, dtype=float)
        ok = np.isfinite(v)
        if self.optional if allow_empty is None else allow_empty:
            ok |= np.isnan(v)
        with np.errstate(invalid="ignore"):
            if self.ge is not None:
                ok &= ~(v < self.ge)
            if self.le is not None:
                ok &= ~(v > self.le)
            if self.gt is not None:
                ok &= ~(v <= self.gt)
            if self.lt is not None:
                ok &= ~(v >= self.lt)
            if self.kind in ("int", "month"):
                ok &= np.isnan(v) | (v == np.round(v))
        return ok

    def check(self, value: npt.ArrayLike) -> bool:
        """Whether a number (or every number of an array) is allowed; NaN never is."""
        import numpy as np

        return bool(np.all(self.in_bounds(value, allow_empty=False)))


def _number(x: float, big: BigNumbers = "grouped") -> str:
    """A bound in words: 3,650; 100,000,000 (grouped) or 1e8 (scientific from a million up)."""
    if big == "scientific" and abs(x) >= 1e6:
        mantissa, exp = f"{x:.3e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exp)}"
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,.10g}"


def field_specs(model: type[BaseModel], section: str = "", *,
                big_numbers: BigNumbers = "grouped") -> dict[str, FieldSpec]:
    """What a pydantic model declares about each field, read once from its annotations and
    :func:`fld` metadata, keyed by path (``section.name``, or the name when ``section`` is empty).

    Raises ``TypeError`` when choice labels do not match the ``Literal`` options."""
    out: dict[str, FieldSpec] = {}
    for name, info in model.model_fields.items():
        ann, optional = info.annotation, False
        if type(None) in get_args(ann):
            optional, ann = True, next(a for a in get_args(ann) if a is not type(None))
        choices: tuple[str, ...] = tuple(get_args(ann)) if get_origin(ann) is Literal else ()
        kind: Kind = ("choice" if choices else "int" if ann is int else "str" if ann is str
                      else "month" if ann is Month else "list" if get_origin(ann) is list else "float")
        bounds = {b: next((float(getattr(m, b)) for m in info.metadata if getattr(m, b, None) is not None), None)
                  for b in ("ge", "le", "gt", "lt")}
        if kind == "month":  # every month field has the type's range (its validator checks it)
            bounds.update(ge=float(Month.MIN), le=float(Month.MAX))
        extra: dict[str, Any] = info.json_schema_extra or {}  # type: ignore[assignment]
        if kind == "list":
            bounds.update({b: float(v) for b, v in extra.get("item_bounds", {}).items()})
        path = f"{section}.{name}" if section else name
        labels = extra.get("choice_labels", {})
        if labels and set(labels) != set(choices):
            raise TypeError(f"{path}: choice labels {sorted(labels)} do not match the options {list(choices)}")
        out[path] = FieldSpec(
            path=path, section=section, name=name, kind=kind, optional=optional,
            default=None if info.is_required() else info.get_default(call_default_factory=True),
            unit=extra.get("unit", ""),
            label_en=extra.get("label_en", name), label_zh=extra.get("label_zh", name), help=info.description or "",
            help_zh=extra.get("help_zh", ""), group=extra.get("group", section or "fields"), step=extra.get("step"),
            choices=choices, catalogue=tuple(extra.get("catalogue", ())),
            catalogue_text=tuple(extra.get("catalogue_text", FieldSpec.catalogue_text)),  # type: ignore[arg-type]
            choice_labels=tuple(tuple(labels[c]) for c in choices) if labels else (),  # type: ignore[misc]
            chars=tuple(extra["chars"]) if "chars" in extra else None,  # type: ignore[arg-type]
            big_numbers=big_numbers, computed_default=info.default_factory is not None and kind != "list",
            max_items=extra.get("max_items"), **bounds,
        )
    return out


def find_spec(fields: Mapping[str, FieldSpec], path: str, *, otherwise: str = "") -> FieldSpec:
    """The declaration of ``path``, or :class:`UnknownFieldError` naming close matches (or, with
    none, ending with ``otherwise``, e.g. ``"; see `finmodel fields`"``)."""
    try:
        return fields[path]
    except KeyError:
        close = difflib.get_close_matches(path, list(fields), n=3, cutoff=0.5) if len(path) <= 200 else []
        hint = f"; did you mean {', '.join(close)}?" if close else otherwise
        raise UnknownFieldError(f"unknown field {show_value(path)}{hint}") from None
