"""Defined names of a workbook as cell references: what the importer (:mod:`.reader`) resolves.

A finmodel workbook names every input cell (``'Inputs'!$C$12``), some ranges (``timeline_months``,
the catalogue's tables) and, with several scenarios, each input as
``INDEX('Inputs'!$C$12:$E$12,1,scenario_index)`` (the live scenario's cell of that row).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Ref", "parse_name", "cell_name", "col_letters", "col_number", "SCENARIO_INDEX"]

SCENARIO_INDEX = "scenario_index"  # the defined name of the live scenario's column (1-based)
_INPUTS = "Inputs"
_SHEET = r"(?:'((?:[^']|'')+)'|([A-Za-z_][\w.]*))"
_CELL = r"\$?([A-Z]{1,3})\$?(\d{1,7})"
_REF = re.compile(rf"{_SHEET}!{_CELL}(?::{_CELL})?")
_SWITCHED = re.compile(rf"INDEX\({_SHEET}!{_CELL}:{_CELL},1,{SCENARIO_INDEX}\)", re.IGNORECASE)


@dataclass(frozen=True)
class Ref:
    """A defined name's target: one cell (r1 = r2, c1 = c2), a range, or a scenario-switched row."""

    sheet: str
    r1: int
    c1: int
    r2: int
    c2: int
    switched: bool = False


def col_number(letters: str) -> int:
    """Column letters as a 1-based number (``"AB"`` → 28)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(col: int) -> str:
    """A 1-based column number as letters (28 → ``"AB"``)."""
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def parse_name(text: str) -> Ref | str:
    """A defined name's text as a :class:`Ref`, or the reason it is not one."""
    m = _SWITCHED.fullmatch(text)
    if m:
        sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
        (c1, r1, c2, r2) = m.group(3, 4, 5, 6)
        if r1 != r2:
            return f"switches between rows {r1} and {r2}, not within one row"
        return Ref(sheet, int(r1), col_number(c1), int(r2), col_number(c2), switched=True)
    if "," in text:
        return "refers to several areas"
    m = _REF.fullmatch(text)
    if m is None:
        return "is not a cell reference"
    sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
    c1, r1 = col_number(m.group(3)), int(m.group(4))
    c2, r2 = (col_number(m.group(5)), int(m.group(6))) if m.group(5) else (c1, r1)
    return Ref(sheet, r1, c1, r2, c2)


def cell_name(row: int, col: int, sheet: str = _INPUTS) -> str:
    """A cell as messages name it: ``Inputs!C12``."""
    return f"{sheet}!{col_letters(col)}{row}"
