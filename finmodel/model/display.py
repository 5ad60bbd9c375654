"""One display layer: how a number in base units becomes text, for every renderer.

Values arrive in the model's base units (CNY, fractions, months). :func:`show` is the one formatter:
it takes the value, the item's display format (``Item.fmt``: ``cny``, ``frac``, ``months`` …) and
what NaN means for it (``Item.nan_means``: ``never`` / ``none`` / ``n/a``), plus a :class:`Style` —
the conventions of one medium, declared once below: its language, how each format is written
(:class:`Look`: scale to 万元 or percent, digits, ¥ prefix, unit words), whether the unit follows
the number, and how NaN and infinity read. :func:`show_item` reads ``fmt``, ``nan_means`` and
``unit`` off a declaration (an ``Item`` or a ``results.MetricInfo``).

Styles (data, not code):

* :data:`TABLE` — the CLI's tables: 万元 with 2 digits, percent with 1 and a spaced ``" %"``, months
  with 1, everything else to 6 significant digits in its base unit; units go in the column
  headers (:func:`unit_label`), not the cells; NaN reads as its meaning (``never``/``none``/``n/a``),
  infinity as ``∞``. :data:`TABLE_CHANGE` writes a tornado swing (percentage points).
  :data:`TABLE_INPUT` writes inputs (unset = ``—``), :data:`EVALUATE` the ``evaluate`` summary.
* :data:`MESSAGE` — sentences of the analyses (goal-seek messages): base units to 6 significant
  digits followed by the item's unit (``24 months``, ``3.73044e+06 CNY``).
* :func:`dashboard` (zh / en) — the dashboard: ``373.0 万元``, ``62.0%``, ``16.2 个月``, ``¥22.50``,
  NaN as ``未回本``/``never``, ``无``/``none``, ``—``; :func:`change` (zh / en) writes differences
  for ``st.metric`` deltas (``+1.3 个月``, ``+2.1 pp``).

How ``finmodel.ui.fmt`` maps onto it, one call each (``S = dashboard(lang)``)::

    wan(x, lang, digits, unit)       show(x, "cny", style=S, digits=digits, unit=unit)
    yuan(x, lang, digits)            show(x, "price", style=S, digits=digits)
    price(x, lang, digits)           show(x, "price", style=S, digits=digits)
    pct(x, lang, digits, missing)    show(x, "frac", "none" if missing == "none" else "n/a", style=S, digits=digits)
    months(x, lang, digits)          show(x, "months", "never", style=S, digits=digits)
    number(x, lang, digits)          show(x, "number", style=S, digits=digits)
    by_fmt(x, fmt, lang)             show(x, fmt, nan_means, style=S)   # by_fmt today implies
                                     # nan_means "never" for months, "none" for frac, else "n/a";
                                     # with the item at hand, pass item.nan_means (show_item)
    delta(x, fmt, lang)              None if not finite(x) or abs(x) < 1e-12
                                     else show(x, fmt, style=change(lang), sign=True)
    never(lang)                      nan_text("never", S)
    finite(x)                        finite(x)

>>> show(3_730_441.2, "cny", style=TABLE)
'373.04'
>>> show(float("nan"), "months", "never", style=dashboard("zh"))
'未回本'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

from finmodel.model.engine import NanMeans

Lang = Literal["zh", "en"]

WAN = 10_000.0  # CNY per 万元 (display only)

#: What NaN says, in words, per meaning and language.
NAN_TEXT: dict[str, dict[str, str]] = {
    "never": {"zh": "未回本", "en": "never"},
    "none": {"zh": "无", "en": "none"},
    "n/a": {"zh": "—", "en": "—"},
}
#: NaN as its meaning's own name, as the CLI tables and messages print it.
NAN_KEYS: dict[str, str] = {"never": "never", "none": "none", "n/a": "n/a"}
#: A value above an item's ``unattainable_above`` (a break-even occupancy over 100 %), in words.
UNATTAINABLE: dict[str, str] = {"zh": "无法达到", "en": "unattainable"}


def _both(text: str) -> dict[str, str]:
    return {"zh": text, "en": text}


@dataclass(frozen=True)
class Look:
    """How one display format is written in one style.

    The value is multiplied by ``times`` and divided by ``per`` (万元: ``per=WAN``; percent:
    ``times=100``), written with ``digits`` in ``kind`` notation (``"f"`` fixed, ``"g"``
    significant), thousands grouped unless ``group`` is False, trailing zeros dropped when
    ``trim``; then ``prefix`` + number + ``suffix`` (always) + ``unit`` (when units are shown;
    ``None`` = the item's own unit). ``label`` is the unit as a column header shows it (``None`` =
    the item's unit)."""

    digits: int = 6
    kind: Literal["f", "g"] = "g"
    times: float = 1.0
    per: float = 1.0
    prefix: str = ""
    suffix: str = ""
    unit: Mapping[str, str] | None = None
    label: str | None = None
    trim: bool = False
    group: bool = True


@dataclass(frozen=True)
class Style:
    """The conventions of one medium: how each format looks, language, units, NaN and infinity.

    ``looks`` maps ``Item.fmt`` values to :class:`Look` (formats not listed use ``looks["number"]``);
    ``nan`` maps ``nan_means`` to text (``None``: :data:`NAN_TEXT` in ``lang``); ``inf`` is the text of
    +∞ and −∞ (``None``: infinity reads like NaN; a "never" result's infinity always reads as its
    NaN text, since the analyses order "never" as +∞); ``units`` and ``labels`` override the
    text that follows a number / heads a column for an item's unit."""

    looks: Mapping[str, Look]
    lang: Lang = "en"
    unit: bool = True
    nan: Mapping[str, str] | None = None
    inf: tuple[str, str] | None = None
    units: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)

    def look(self, fmt: str) -> Look:
        return self.looks.get(fmt, self.looks["number"])


class Declared(Protocol):
    """Anything that declares how its values display: an ``Item`` or a ``results.MetricInfo`` (which
    may also declare ``na_when`` and ``unattainable_above``, read with ``getattr``)."""

    @property
    def fmt(self) -> Any: ...

    @property
    def nan_means(self) -> Any: ...

    @property
    def unit(self) -> str: ...


# --------------------------------------------------------------------------- the formatter
def finite(x: Any) -> bool:
    """Whether ``x`` is a real, finite number (None, text and NaN are not)."""
    v = _as_float(x)
    return math.isfinite(v)


def nan_text(nan_means: NanMeans | str, style: Style) -> str:
    """What a NaN value says in ``style``."""
    return style.nan[nan_means] if style.nan is not None else NAN_TEXT[nan_means][style.lang]


def show(x: Any, fmt: str = "number", nan_means: NanMeans | str = "n/a", *, style: Style, digits: int | None = None,
         unit: bool | str | None = None, sign: bool = False) -> str:
    """A value as text.

    Parameters
    ----------
    x : the value in base units (CNY, fraction, months …); None or NaN = undefined.
    fmt : the item's display format (``Item.fmt``).
    nan_means : what NaN says for this item (``Item.nan_means``).
    style : the medium's conventions (:data:`TABLE`, :data:`MESSAGE`, :func:`dashboard` …).
    digits : digits instead of the format's own (fixed or significant, as the look says).
    unit : show the unit after the number (default: the style's choice); a string is the unit
        text to append as is (e.g. the item's own unit, see :func:`show_item`).
    sign : write ``+``/``-`` before the magnitude (a change rather than a level).
    """
    v = _as_float(x)
    if math.isnan(v) or (math.isinf(v) and (style.inf is None or nan_means == "never")):
        return nan_text(nan_means, style)
    if math.isinf(v) and style.inf is not None:
        return style.inf[1] if v < 0 else style.inf[0]
    look = style.look(fmt)
    d = look.digits if digits is None else digits
    scaled = v * look.times / look.per  # exact for times or per = 1: x / 1e4, x * 100
    num = format(abs(scaled) if sign else scaled, f"{',' if look.group else ''}.{d}{look.kind}")
    if look.trim and d > 0:
        num = num.rstrip("0").rstrip(".")
    lead = ("-" if v < 0 else "+") if sign else ""
    text = f"{lead}{look.prefix}{num}{look.suffix}"
    shown = style.unit if unit is None else unit
    if isinstance(shown, str):
        return text + shown
    if shown and look.unit is not None:
        text += look.unit[style.lang]
    return text


def nan_meaning(item: Declared, values: Mapping[str, Any] | None = None) -> str:
    """What a NaN of ``item`` says among the results ``values`` of its model: "n/a" where the item's
    ``na_when`` flag is 1 there (a platform payback without a platform investment), else its
    ``nan_means``."""
    flag = getattr(item, "na_when", "")
    if flag and values is not None and _as_float(values.get(flag)) == 1:
        return "n/a"
    return item.nan_means


def unattainable(x: Any, item: Declared) -> bool:
    """Whether ``x`` is above the item's ``unattainable_above`` (it then reads "unattainable")."""
    ceiling = getattr(item, "unattainable_above", None)
    return ceiling is not None and math.isfinite(_as_float(x)) and _as_float(x) > ceiling


def show_item(x: Any, item: Declared, *, style: Style, digits: int | None = None, unit: bool | None = None,
              values: Mapping[str, Any] | None = None) -> str:
    """:func:`show` with format, NaN meaning and unit read from the declaration ``item``; with the
    model's results ``values``, NaN reads as :func:`nan_meaning` says, and a value above the item's
    ``unattainable_above`` reads "unattainable" / "无法达到"."""
    if unattainable(x, item):
        return UNATTAINABLE[style.lang]
    shown = style.unit if unit is None else unit
    return show(x, item.fmt, nan_meaning(item, values), style=style, digits=digits,
                unit=unit_suffix(item, style) if shown else False)


def unit_suffix(item: Declared, style: Style) -> str:
    """The text that follows a value of ``item`` when units are shown (``" 万元"``, ``" months"``)."""
    look = style.look(item.fmt)
    if look.unit is not None:
        return look.unit[style.lang]
    return style.units.get(item.unit, f" {item.unit}")


def unit_label(item: Declared, style: Style) -> str:
    """The unit of ``item`` as a column header shows it (``万元``, ``万元/P/年``, ``%``, ``months``)."""
    if item.unit in style.labels:
        return style.labels[item.unit]
    label = style.look(item.fmt).label
    return item.unit if label is None else label


def _as_float(x: Any) -> float:
    if x is None:
        return math.nan
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


# --------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class InputUnit:
    """An input's unit seen as a declaration: how its values display (inputs carry no ``fmt``)."""

    unit: str
    fmt: str
    nan_means: str = "n/a"


def input_unit(unit: str) -> InputUnit:
    """How an input with ``unit`` displays: money per something large (CNY, CNY/server, CNY/month,
    CNY/P/year) in 万元, unit prices (per card-hour, per kWh) as prices, fractions in percent,
    everything else as a plain number."""
    if unit.startswith("CNY"):
        return InputUnit(unit, "price" if "hour" in unit or "kWh" in unit else "cny")
    return InputUnit(unit, "frac" if unit.startswith("fraction") else "number")


def input_label(unit: str) -> str:
    """The unit of an input as the CLI's headers show it: ``万元/server``, ``%``, ``CNY/card-hour``."""
    u = input_unit(unit)
    if u.fmt == "cny":
        return "万元" + unit[3:]
    return "%" if u.fmt == "frac" else unit


# --------------------------------------------------------------------------- the styles
_SIGNIFICANT = Look()  # ",.6g" in base units, the item's unit after it

#: The CLI's tables (sweep, tornado, solve, Monte Carlo).
TABLE = Style(
    looks={
        "cny": Look(2, "f", per=WAN, unit=_both(" 万元"), label="万元"),
        "cny_per_p_year": Look(2, "f", per=WAN, unit=_both(" 万元/P/年"), label="万元/P/年"),
        "months": Look(1, "f", unit=_both(" months"), label="months"),
        "frac": Look(1, "f", times=100, suffix=" %", unit=_both(""), label="%"),
        "number": _SIGNIFICANT,
    },
    unit=False, nan=NAN_KEYS, inf=("∞", "-∞"))
#: A tornado's swing: a range, so fractions in percentage points; an infinite swing (payback
#: becomes "never", IRR undefined) reads "never".
TABLE_CHANGE = replace(TABLE, looks={**TABLE.looks, "frac": Look(1, "f", times=100, suffix=" pp", unit=_both(""))},
                       inf=("never", "never"))
#: Input values in the CLI's tables (with :func:`input_unit`); unset reads "—".
TABLE_INPUT = replace(TABLE, nan={"never": "—", "none": "—", "n/a": "—"}, inf=None)
#: An input written out in a sentence: its base unit, then 万元 or % in brackets (:func:`show_input`).
INPUT_BASE = Style(
    looks={"cny": Look(2, "f"), "frac": Look(6, "g", group=False, unit=_both("")), "number": _SIGNIFICANT},
    nan={"n/a": "(unset)"}, units={"": ""})
INPUT_DETAIL = replace(TABLE, looks={**TABLE.looks, "frac": Look(2, "f", times=100, group=False, suffix=" %",
                                                                 unit=_both(""))})
#: ``finmodel evaluate``'s summary tables: like :data:`TABLE`, an IRR that does not exist reads "—",
#: a result that does not apply "n/a" (a platform payback without a platform), P to 4 significant
#: digits, and the unit column by unit.
EVALUATE = replace(
    TABLE, looks={**TABLE.looks, "p": Look(4, "g", group=False)}, nan={"never": "never", "none": "—", "n/a": "n/a"},
    inf=None, labels={"CNY": "万元", "CNY/year": "万元/年", "CNY/P/year": "万元/P/年", "months": "months",
                      "fraction": "", "fraction/year": "/year", "P/server": "P"})
#: Sentences of the analyses: base units to 6 significant digits and the item's unit.
MESSAGE = Style(looks={"number": _SIGNIFICANT}, nan=NAN_KEYS, inf=("never", "-inf"),
                units={"fraction": "", "fraction/year": "/year"})

_DASHBOARD_LOOKS: dict[str, Look] = {
    "cny": Look(1, "f", per=WAN, unit=_both(" 万元")),
    "cny_per_p_year": Look(1, "f", per=WAN, unit=_both(" 万元")),
    "price": Look(2, "f", prefix="¥", unit=_both("")),
    "frac": Look(1, "f", times=100, suffix="%", unit=_both("")),
    "rate": Look(3, "f", times=100, suffix="%", unit=_both("")),
    "months": Look(1, "f", unit={"zh": " 个月", "en": " months"}),
    "p": Look(3, "f", trim=True, unit=_both(" P")),
    "number": Look(3, "f", trim=True, unit=_both("")),
}
_CHANGE_LOOKS: dict[str, Look] = {
    **{k: _DASHBOARD_LOOKS[k] for k in ("cny", "cny_per_p_year", "price", "months")},
    "frac": Look(1, "f", times=100, unit={"zh": " 个百分点", "en": " pp"}),
    "rate": Look(1, "f", times=100, unit={"zh": " 个百分点", "en": " pp"}),
    "number": Look(3, "g", unit=_both("")),
}
_DASHBOARD = {lang: Style(_DASHBOARD_LOOKS, lang) for lang in ("zh", "en")}
_CHANGE = {lang: Style(_CHANGE_LOOKS, lang) for lang in ("zh", "en")}


def dashboard(lang: Lang | str = "zh") -> Style:
    """The dashboard's style in ``lang`` (``zh`` or ``en``)."""
    return _DASHBOARD[lang]


def change(lang: Lang | str = "zh") -> Style:
    """The dashboard's style for differences (``st.metric`` deltas) in ``lang``; use ``sign=True``."""
    return _CHANGE[lang]


def show_input(x: Any, unit: str) -> str:
    """An input value in a sentence: ``1,450,000.00 CNY/server (145.00 万元/server)``,
    ``0.8 (80.00 %)``, ``16.2671 CNY/card-hour``; ``(unset)`` when empty."""
    u = input_unit(unit)
    text = show_item(x, u, style=INPUT_BASE)
    if u.fmt in ("cny", "frac") and finite(x):
        label = input_label(unit)
        text += f" ({show(x, u.fmt, style=INPUT_DETAIL, unit=f' {label}' if u.fmt == 'cny' else '')})"
    return text
