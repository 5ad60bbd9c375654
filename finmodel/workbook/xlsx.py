"""The xlsx file itself: text as stored in a cell, exact floats after saving, portable file names."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

__all__ = ["XLSX_MIME", "cell_text", "exact_value_patch", "safe_filename"]

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")  # XML cannot hold these (CR would come back as LF)
_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_VALUE_CELL = re.compile(r'(<c r="([A-Z]+[0-9]+)"[^>]*>)<v>[^<]*</v>')


def cell_text(text: str) -> str:
    """Text as stored in a cell: control characters as OOXML ``_xHHHH_`` escapes (how Excel stores a
    carriage return), a literal ``_xHHHH_`` protected as ``_x005F_xHHHH_``. Excel, LibreOffice and
    :func:`finmodel.workbook.read_workbook` turn them back, so any text round-trips exactly."""
    return _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", _ESCAPE_LIKE.sub(r"_x005F_\1", text))


def safe_filename(name: str, suffix: str = ".xlsx", fallback: str = "scenario") -> str:
    """A portable file name from a scenario name: letters (any script), digits, ``-`` and ``_``."""
    text = unicodedata.normalize("NFKC", name)
    text = re.sub(r"[^\w\-]+", "_", text, flags=re.UNICODE).strip("._-")
    text = re.sub(r"_+", "_", text)[:80].rstrip("._-")
    if not text or text.upper() in {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
                                    *(f"LPT{i}" for i in range(10))}:
        text = fallback
    return text + suffix


def exact_value_patch(cells: dict[str, float]) -> Callable[[str], str]:
    """A sheet-XML patch writing floats that openpyxl's ``%.16g`` would round with their 17-digit
    ``repr`` (``cells``: cell → value; the input values)."""
    fix = {c: repr(v) for c, v in cells.items() if float(f"{v:.16g}") != v}
    return lambda xml: _rewrite(xml, fix, "sheet") if fix else xml


def _rewrite(xml: str, fix: dict[str, str], member: str) -> str:
    """One sheet's XML with the cached values of the cells in ``fix`` replaced."""
    done: set[str] = set()

    def sub(m: re.Match[str]) -> str:
        text = fix.get(m.group(2))
        if text is None:
            return m.group(0)
        done.add(m.group(2))
        return f"{m.group(1)}<v>{text}</v>"

    out = _VALUE_CELL.sub(sub, xml)
    if len(done) != len(fix):  # pragma: no cover - openpyxl changed its output
        raise RuntimeError(f"could not write the exact values of {sorted(set(fix) - done)[:3]} in {member}")
    return out
