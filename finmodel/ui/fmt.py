"""The dashboard's number formats: one call each into :mod:`finmodel.model.display`.

Numbers arrive in the model's base units (CNY, fractions, months) and become 万元, percent or
months only as text, through :func:`finmodel.model.display.show` in the dashboard's style
(:func:`finmodel.model.display.dashboard`). NaN reads as what it means for the item (``未回本`` /
``never``, ``无`` / ``none``, ``—``), never as "nan". This module holds no formatting of its own:
its functions are the short names the pages use, and :data:`LOOKS` declares (as data, in the
display layer's terms) the two formats only the dashboard shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Protocol

from finmodel.model import display
from finmodel.model.display import WAN, Look, Style, finite

__all__ = ["LOOKS", "WAN", "big_cny", "by_fmt", "decimal", "delta", "finite", "months", "never", "number", "pct",
           "price", "style", "value", "wan"]

YI = 1e8  # CNY per 亿元 (display only)
BILLION = 1e9  # CNY per billion CNY (display only)

#: Formats of the dashboard beyond :func:`display.dashboard`'s, per language: ``count`` (a
#: quantity with fixed decimals and no unit: ``26,380.0`` GPUs) and ``big_cny`` (a market's
#: value: ``12.3 亿元`` / ``¥1.23 bn``).
LOOKS: dict[str, dict[str, Look]] = {
    "zh": {"count": Look(1, "f", unit={"zh": ""}), "big_cny": Look(1, "f", per=YI, unit={"zh": " 亿元"})},
    "en": {"count": Look(1, "f", unit={"en": ""}),
           "big_cny": Look(2, "f", per=BILLION, prefix="¥", unit={"en": " bn"})},
}
_STYLES: dict[str, Style] = {lang: replace(display.dashboard(lang), looks={**display.dashboard(lang).looks, **extra})
                             for lang, extra in LOOKS.items()}


class Declared(Protocol):
    """A declaration that says how its values display (an ``Item``, a ``results.MetricInfo``);
    read-only, so the frozen declarations qualify. It may also declare ``na_when`` and
    ``unattainable_above`` (:func:`finmodel.model.display.show_item` reads them)."""

    @property
    def fmt(self) -> str: ...

    @property
    def nan_means(self) -> str: ...

    @property
    def unit(self) -> str: ...


def style(lang: str) -> Style:
    """The dashboard's display style in ``lang`` (``zh`` or ``en``)."""
    return _STYLES[lang]


def never(lang: str) -> str:
    """The word for "never pays back": ``未回本`` / ``never``."""
    return display.nan_text("never", style(lang))


def value(x: Any, declared: Declared, lang: str, *, unit: bool = True, values: Mapping[str, Any] | None = None) -> str:
    """A result by its declaration (``Item`` or ``results.MetricInfo``), through
    :func:`finmodel.model.display.show_item`: format and NaN meaning — with the model's results
    ``values``, NaN reads as the item's ``na_when`` flag says (a platform payback without a
    platform investment: ``—``, not ``never``) — and a value above ``unattainable_above`` reads
    ``无法达到`` / ``unattainable``. ``unit=False`` leaves out the unit words (``373.0``, ``16.2``,
    ``62.0%``) where a title has them."""
    return display.show_item(x, declared, style=style(lang), unit=unit, values=values)


def by_fmt(x: Any, fmt: str, lang: str, nan_means: str = "n/a") -> str:
    """A value by a display format name (``cny``, ``price``, ``months`` …) and what NaN means."""
    return display.show(x, fmt, nan_means, style=style(lang))


def wan(x: Any, lang: str = "zh", digits: int = 1, unit: bool = True) -> str:
    """Money in 万元: ``373.0 万元`` (``unit=False``: ``373.0``)."""
    return display.show(x, "cny", style=style(lang), digits=digits, unit=unit)


def big_cny(x: Any, lang: str = "zh") -> str:
    """A large amount: ``12.3 亿元`` (zh) / ``¥1.23 bn`` (en)."""
    return display.show(x, "big_cny", style=style(lang))


def decimal(x: Any, lang: str = "zh", digits: int = 1) -> str:
    """A count with fixed decimals and thousands separators: ``26,380.0``."""
    return display.show(x, "count", style=style(lang), digits=digits)


def price(x: Any, lang: str = "zh", digits: int = 2) -> str:
    """A unit price in yuan: ``¥22.50``."""
    return display.show(x, "price", style=style(lang), digits=digits)


def pct(x: Any, lang: str = "zh", digits: int = 1, *, missing: str = "na") -> str:
    """A fraction as percent: 0.619 → ``61.9%``; NaN → ``无``/``none`` (``missing="none"``) or ``—``."""
    return display.show(x, "frac", "none" if missing == "none" else "n/a", style=style(lang), digits=digits)


def months(x: Any, lang: str = "zh", digits: int = 1) -> str:
    """``16.2 个月`` / ``16.2 months``; NaN → ``未回本`` / ``never`` (no payback in the horizon)."""
    return display.show(x, "months", "never", style=style(lang), digits=digits)


def number(x: Any, lang: str = "zh", digits: int = 3) -> str:
    """A plain number with thousands separators, trailing zeros dropped: ``2.5``, ``1,234``."""
    return display.show(x, "number", style=style(lang), digits=digits)


def delta(x: Any, fmt: str, lang: str) -> str | None:
    """Signed change for ``st.metric``: ``+1.3 个月``, ``-12.0 万元``, ``+2.1 pp``; None if unknown or 0."""
    if not finite(x) or abs(float(x)) < 1e-12:
        return None
    return display.show(x, fmt, style=display.change(lang), sign=True)
