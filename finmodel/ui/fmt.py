"""Display formatting for the dashboard: ¥, 万元, percent, months, and "never".

Numbers arrive in the model's base units (CNY, fractions, months); this module is the only place
they become 万元 or percent, and only as text. NaN means "never / none / not applicable" in the
engine's results and is shown as words, never as "nan".
"""

from __future__ import annotations

import math
from typing import Any

WAN = 10_000.0  # 万: CNY per 万元, card-hours per 万 card-hours (display only)
YI = 1e8  # CNY per 亿元
BILLION = 1e9  # CNY per billion CNY

_NEVER = {"zh": "未回本", "en": "never"}
_NONE = {"zh": "无", "en": "none"}
_NA = {"zh": "—", "en": "—"}


def finite(x: Any) -> bool:
    """Whether ``x`` is a real, finite number (None and NaN are not)."""
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def never(lang: str) -> str:
    """The word for "never pays back": ``未回本`` / ``never``."""
    return _NEVER[lang]


def yuan(x: float | None, lang: str = "zh", digits: int = 0) -> str:
    """``¥1,234,567`` (no unit conversion)."""
    if not finite(x):
        return _NA[lang]
    return f"¥{x:,.{digits}f}"


def wan(x: float | None, lang: str = "zh", digits: int = 1, unit: bool = True) -> str:
    """Money in 万元: ``373.0 万元`` (zh) / ``373.0 万元`` (en, labelled "10k CNY" elsewhere)."""
    if not finite(x):
        return _NA[lang]
    s = f"{x / WAN:,.{digits}f}"
    return f"{s} 万元" if unit else s


def big_cny(x: float | None, lang: str = "zh") -> str:
    """A large amount: ``12.3 亿元`` (zh, 1 decimal) / ``¥1.23 bn`` (en, 2 decimals)."""
    if not finite(x):
        return _NA[lang]
    return f"{x / YI:,.1f} 亿元" if lang == "zh" else f"¥{x / BILLION:,.2f} bn"


def decimal(x: float | None, lang: str = "zh", digits: int = 1) -> str:
    """A number with a fixed number of decimals and thousands separators: ``26,380.0``."""
    if not finite(x):
        return _NA[lang]
    return f"{x:,.{digits}f}"


def price(x: float | None, lang: str = "zh", digits: int = 2) -> str:
    """A unit price in yuan: ``¥22.50``."""
    return yuan(x, lang, digits)


def to_percent(x: float) -> int:
    """A fraction as whole percent for a percent slider: 0.7 → 70."""
    return round(x * 100)


def from_percent(p: float) -> float:
    """A percent slider's value as a fraction: 70 → 0.7."""
    return p / 100


def pct(x: float | None, lang: str = "zh", digits: int = 1, *, missing: str = "na") -> str:
    """A fraction as percent: 0.619 → ``61.9%``. NaN → ``无``/``none`` or ``—``."""
    if not finite(x):
        return (_NONE if missing == "none" else _NA)[lang]
    return f"{x * 100:,.{digits}f}%"


def months(x: float | None, lang: str = "zh", digits: int = 1) -> str:
    """``16.2 个月`` / ``16.2 months``; NaN → ``未回本`` / ``never`` (no payback in the horizon)."""
    if not finite(x):
        return _NEVER[lang]
    return f"{x:,.{digits}f} 个月" if lang == "zh" else f"{x:,.{digits}f} months"


def number(x: float | None, lang: str = "zh", digits: int = 3) -> str:
    """A plain number with thousands separators, trailing zeros dropped: ``2.5``, ``1,234``."""
    if not finite(x):
        return _NA[lang]
    return f"{x:,.{digits}f}".rstrip("0").rstrip(".") if digits else f"{x:,.0f}"


def by_fmt(x: float | None, fmt: str, lang: str) -> str:
    """Format a result value by its declared ``engine.Item.fmt``."""
    if fmt in ("cny", "cny_per_p_year"):
        return wan(x, lang, 1)
    if fmt == "price":
        return price(x, lang)
    if fmt == "frac":
        return pct(x, lang, missing="none")
    if fmt == "rate":
        return pct(x, lang, 3)
    if fmt == "months":
        return months(x, lang)
    if fmt == "p":
        return number(x, lang, 3) + (" P" if finite(x) else "")
    return number(x, lang)


def delta(x: float | None, fmt: str, lang: str) -> str | None:
    """Signed change for ``st.metric``: ``+1.3 个月``, ``-12.0 万元``, ``+2.1 pp``; None if unknown."""
    if not finite(x):
        return None
    if abs(x) < 1e-12:
        return None
    sign = "+" if x > 0 else "-"
    a = abs(x)
    if fmt in ("cny", "cny_per_p_year"):
        return f"{sign}{a / WAN:,.1f} 万元"
    if fmt == "price":
        return f"{sign}¥{a:,.2f}"
    if fmt in ("frac", "rate"):
        return f"{sign}{a * 100:,.1f} " + ("个百分点" if lang == "zh" else "pp")
    if fmt == "months":
        return f"{sign}{a:,.1f} " + ("个月" if lang == "zh" else "months")
    return f"{sign}{a:,.3g}"
