"""User text inside markdown, shown as itself.

Streamlit renders GitHub-flavoured markdown in the body of ``st.markdown``, ``st.caption``,
``st.warning``/``error``/``info``/``success``, ``st.toast``, ``st.table`` cells, widget labels and
``help`` tooltips: links, images, HTML, bare URLs turned into links, ``:red[...]`` directives,
``:material/...:`` icons, LaTeX. Text that came from a user — link parameters (keys and values),
uploaded file names, scenario names and sources, workload names, and every message that quotes one
of those — enters such a body only through :func:`literal` (or :func:`bullets` for a list).

:func:`literal` makes the text an inline code span. A code span is shown verbatim by every
markdown renderer (CommonMark, GFM, Streamlit's plugins): no link, image, HTML, autolink or
directive can start inside it, and the text itself stays in the body unchanged (searchable,
copyable). Backslash escaping would not do: GFM turns a bare ``https://…`` into a link after
escapes are resolved. Only line breaks become spaces (a blank line would end the span) and very
long text is cut.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

#: Longest user text shown in one span [characters]; longer text is cut with "…".
MAX_CHARS = 600
_LINE_BREAKS = re.compile(r"[\r\n\u0085\u2028\u2029]+")
_BACKTICKS = re.compile(r"`+")


def one_line(text: object) -> str:
    """``text`` with every run of line breaks made one space (what :func:`literal` shows)."""
    return _LINE_BREAKS.sub(" ", str(text))


def literal(text: object, limit: int = MAX_CHARS) -> str:
    """Markdown that shows ``text`` literally: an inline code span around it.

    >>> literal("[verify](https://evil.example)")
    '`[verify](https://evil.example)`'
    >>> literal("a`b")
    '``a`b``'
    """
    s = one_line(text)
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    if not s:
        return ""
    fence = "`" * (max((len(m) for m in _BACKTICKS.findall(s)), default=0) + 1)
    # one space each side is stripped again (CommonMark), unless the text is only spaces
    pad = " " if s.strip(" ") and (s[0] in "` " or s[-1] in "` ") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def bullets(lines: Iterable[object]) -> str:
    """A markdown list of user-quoting lines (each a :func:`literal`), one paragraph per item."""
    return "\n\n".join(f"- {literal(line)}" for line in lines)


def message(head: str, lines: Iterable[object]) -> str:
    """Our own heading (trusted markdown) followed by :func:`bullets` of ``lines``."""
    body = bullets(lines)
    return f"{head}\n\n{body}" if body else head


# --------------------------------------------------------------------------- CSV downloads
#: The first characters that make a spreadsheet read a text cell as a formula (OWASP "CSV
#: injection", CWE-1236): the triggers the workbook's ``put_text`` marks as text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


def csv_text(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs: text starting with a :data:`FORMULA_TRIGGERS` character
    gets a leading ``'`` (``=1+2`` → ``'=1+2``); numbers (negative ones too) stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_bytes(table: pd.DataFrame, *, index: bool = True) -> bytes:
    """``table`` as CSV in UTF-8 with BOM (Excel shows Chinese intact), every text cell, heading and
    index label through :func:`csv_text`; numbers in full precision."""
    out = table.map(csv_text)
    out.columns = [csv_text(str(c)) for c in table.columns]
    if index:
        out.index = table.index.map(csv_text)
        out.index.name = csv_text(table.index.name)
    return out.to_csv(index=index, lineterminator="\n").encode("utf-8-sig")


__all__ = ["FORMULA_TRIGGERS", "MAX_CHARS", "bullets", "csv_bytes", "csv_text", "literal", "message", "one_line"]
