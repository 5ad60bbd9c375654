"""A small, strict reader of the parts of an untrusted xlsx file that import needs.

Nothing here evaluates a formula or follows a link. The archive is checked before any XML is
parsed (size, zip structure, member count, uncompressed size, compression ratio, no macros); every
part is read with a size cap and parsed by ``defusedxml`` with DTDs forbidden (a workbook never
needs one, so entity bombs and external entities are refused before expansion); every cell value
is parsed strictly (a numeric cell holding ``NaN``, ``INF`` or text, or a shared-string index out
of range, becomes a :class:`BadCell` saying why, which the caller reports with the cell and the
field). Every failure is one :class:`WorkbookError` line — never a traceback.

This reader does not use openpyxl, so installing ``lxml`` (which changes openpyxl's parser)
cannot change how untrusted workbooks are read.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

from finmodel.schema import MISSING, Problem, ScenarioError

__all__ = ["WorkbookError", "file_problem", "check_archive", "Package", "BadCell", "CellError", "RawCell",
           "MAX_BYTES", "MAX_PART", "MAX_ROWS", "MAX_COLS"]

MAX_BYTES = 20 * 2**20  # a generated 360-month workbook is well under 2 MB
MAX_UNCOMPRESSED = 200 * 2**20
MAX_RATIO = 200  # generated sheet XML compresses ~10-30×; bombs compress 1000×
MAX_MEMBERS = 500
MAX_PART = 32 * 2**20  # one XML part that is parsed (the generated Inputs sheet is ~40 kB)
MAX_ROWS = 2000  # rows of a sheet that are read (the Inputs sheet has ~100)
MAX_COLS = 64
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
_REF = re.compile(r"([A-Z]{1,3})(\d+)")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


class WorkbookError(ScenarioError):
    """A workbook that cannot be read as a scenario.

    ``problems`` holds one :class:`~finmodel.schema.Problem` per bad cell; each message names the
    sheet and cell (``Inputs!C27``). A ``ValueError`` (through ``ScenarioError``), so callers that
    handle bad scenario files handle bad workbooks too."""


def file_problem(message: str) -> WorkbookError:
    return WorkbookError([Problem("file", MISSING, message)])


class CellError(str):
    """An Excel error value saved in a cell (``#DIV/0!``)."""


@dataclass(frozen=True)
class BadCell:
    """A cell whose stored value cannot be read; ``why`` completes "cell Inputs!C33 …"."""

    why: str


@dataclass(frozen=True)
class RawCell:
    """A cell as stored: its formula (``"=…"``, or None) and its saved value (None if none)."""

    formula: str | None
    value: Any  # int | float | str | bool | CellError | BadCell | None


# --------------------------------------------------------------------------- the archive
def check_archive(data: bytes) -> zipfile.ZipFile:
    """Refuse anything that is not a plausible, bounded xlsx archive (before parsing any XML)."""
    if len(data) > MAX_BYTES:
        raise file_problem(f"file too large ({len(data):,} bytes); allowed: ≤ {MAX_BYTES:,} bytes")
    if not data.startswith(b"PK"):
        raise file_problem("not an xlsx workbook (not a zip archive); save it as Excel Workbook (.xlsx)")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as err:
        raise file_problem(f"not an xlsx workbook (broken zip archive: {_short(err)})") from None
    if len(infos) > MAX_MEMBERS:
        raise file_problem(f"too many parts in the archive ({len(infos)}); allowed: ≤ {MAX_MEMBERS}")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise file_problem(f"uncompressed size too large ({total:,} bytes, a zip bomb?); "
                           f"allowed: ≤ {MAX_UNCOMPRESSED:,} bytes")
    for i in infos:
        if i.file_size > 1_000_000 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise file_problem(f"suspicious compression ratio in {i.filename!r} "
                               f"({i.file_size:,} bytes from {i.compress_size:,}; a zip bomb?)")
    names = {i.filename for i in infos}
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise file_problem("workbook contains macros; save it as .xlsx without macros")
    for required in ("[Content_Types].xml", "xl/workbook.xml"):
        if required not in names:
            raise file_problem(f"not an xlsx workbook (no {required} inside; is it .xls, .ods or .xlsb?)")
    return zf


def _short(err: BaseException) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(el: Element, name: str) -> str | None:
    """An attribute by local name (``r:id`` and ``id`` alike)."""
    for k, v in el.attrib.items():
        if _local(k) == name:
            return v
    return None


class Package:
    """The parts of an xlsx archive that import reads: sheets, defined names, shared strings, cells."""

    def __init__(self, data: bytes) -> None:
        self.zip = check_archive(data)
        self._members = {i.filename for i in self.zip.infolist()}
        root = self.xml("xl/workbook.xml")
        self.sheets = self._sheet_parts(root)
        self.names = self._defined_names(root)
        self._strings: list[str] | None = None

    def read(self, member: str) -> bytes:
        """One part's bytes, at most :data:`MAX_PART`; any zip or deflate error is one line."""
        try:
            with self.zip.open(member) as f:
                body = f.read(MAX_PART + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError,
                NotImplementedError) as err:
            raise file_problem(f"broken part {member!r} in the archive ({type(err).__name__}: {_short(err)})") \
                from None
        if len(body) > MAX_PART:
            raise file_problem(f"part {member!r} is too large to read (> {MAX_PART:,} bytes)")
        return body

    def xml(self, member: str) -> Element:
        """A part parsed safely: no DTD (so no entities, internal or external), malformed XML one line."""
        body = self.read(member)
        try:
            return safe_et.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        except DefusedXmlException as err:
            raise file_problem(f"refusing {member!r}: it declares a DTD or XML entities ({type(err).__name__}), "
                               "which a workbook never needs") from None
        except (ParseError, ValueError, UnicodeError) as err:
            raise file_problem(f"part {member!r} is not well-formed XML ({_short(err)})") from None

    def _sheet_parts(self, root: Element) -> dict[str, str]:
        """Sheet name → archive member of its XML, through the workbook's relationships."""
        rels: dict[str, str] = {}
        if "xl/_rels/workbook.xml.rels" in self._members:
            for rel in self.xml("xl/_rels/workbook.xml.rels"):
                rid, target = rel.get("Id"), rel.get("Target")
                if rid and target:
                    rels[rid] = target
        out: dict[str, str] = {}
        for el in root.iter():
            if _local(el.tag) == "sheet":
                name, rid = el.get("name"), _attr(el, "id")
                target = rels.get(rid or "")
                if name and target:
                    out[name] = target.lstrip("/") if target.startswith("/") else "xl/" + target
        return out

    @staticmethod
    def _defined_names(root: Element) -> dict[str, str]:
        """Workbook-scoped defined names (lower case) → their text; sheet-scoped ones are ignored."""
        out: dict[str, str] = {}
        for el in root.iter():
            if _local(el.tag) == "definedName" and el.get("localSheetId") is None and el.get("name"):
                out[el.get("name", "").lower()] = (el.text or "").strip()
        return out

    @property
    def strings(self) -> list[str]:
        if self._strings is None:
            self._strings = []
            if "xl/sharedStrings.xml" in self._members:
                self._strings = [_text_of(si) for si in self.xml("xl/sharedStrings.xml")
                                 if _local(si.tag) == "si"]
        return self._strings

    def cells(self, sheet: str) -> dict[tuple[int, int], RawCell]:
        """Every stored cell of a sheet in its first :data:`MAX_ROWS` rows and :data:`MAX_COLS` columns."""
        member = self.sheets.get(sheet)
        if member is None or member not in self._members:
            raise file_problem(f"sheet {sheet!r} has no part in the archive")
        out: dict[tuple[int, int], RawCell] = {}
        for row_no, row in enumerate(_rows(self.xml(member)), start=1):
            r = _int(row.get("r"), row_no)
            if r > MAX_ROWS:
                break
            col = 0
            for c in row:
                if _local(c.tag) != "c":
                    continue
                r_c, col = _position(c.get("r"), r, col + 1)
                if r_c == r and col <= MAX_COLS:
                    out[(r, col)] = self._cell(c)
        return out

    def _cell(self, c: Element) -> RawCell:
        formula = v = inline = None
        for child in c:
            tag = _local(child.tag)
            if tag == "f":
                formula = "=" + (child.text or "")
            elif tag == "v":
                v = child.text  # None for <v></v>: no saved value (openpyxl writes formulas so)
            elif tag == "is":
                inline = _text_of(child)
        return RawCell(formula, self._value(c.get("t", "n"), v, inline, formula is not None))

    def _value(self, kind: str, v: str | None, inline: str | None, formula: bool) -> Any:
        if kind == "inlineStr":
            return _unescape(inline or "")
        if kind == "str" and v is None and formula:
            return ""  # a formula whose saved result is the empty text
        if v is None:
            return None
        if kind == "s":
            if not _INTEGER.fullmatch(v.strip()):
                return BadCell(f"refers to shared string {v[:20]!r}, which is not an index")
            i = int(v)
            if not 0 <= i < len(self.strings):
                return BadCell(f"refers to shared string {i}, but the file has {len(self.strings)}")
            return _unescape(self.strings[i])
        if kind == "str":
            return _unescape(v)
        if kind == "b":
            return {"1": True, "0": False}.get(v.strip(), BadCell(f"holds {v[:20]!r} as a boolean"))
        if kind == "e":
            return CellError(v.strip()[:20])
        if kind != "n":
            return BadCell(f"has a cell type {kind[:10]!r} that a finmodel workbook never uses")
        return _number(v)


def _rows(root: Element) -> list[Element]:
    for el in root:
        if _local(el.tag) == "sheetData":
            return [row for row in el if _local(row.tag) == "row"]
    return []


def _int(text: str | None, default: int) -> int:
    return int(text) if text is not None and text.isdigit() and len(text) < 8 else default


def _position(ref: str | None, row: int, col: int) -> tuple[int, int]:
    """(row, column) of a cell: from its ``r`` reference, else the next column of its row."""
    m = _REF.fullmatch(ref or "")
    if m is None:
        return row, col
    letters, digits = m.groups()
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return (int(digits) if len(digits) < 8 else 0), number


def _number(v: str) -> Any:
    text = v.strip()
    if not _NUMBER.fullmatch(text):
        return BadCell(f"holds {text[:20]!r} in a number cell, which is not a number")
    if _INTEGER.fullmatch(text) and len(text) < 19:
        return int(text)
    x = float(text)
    if x != x or x in (float("inf"), float("-inf")):
        return BadCell(f"holds {text[:20]!r}, which is not a finite number")
    return x


def _text_of(el: Element) -> str:
    """The text of a rich-text element (``<t>`` runs), without phonetic runs (``<rPh>``)."""
    parts: list[str] = []

    def walk(e: Element) -> None:
        for child in e:
            tag = _local(child.tag)
            if tag == "t":
                parts.append(child.text or "")
            elif tag != "rPh":
                walk(child)

    walk(el)
    return "".join(parts)


def _unescape(text: str) -> str:
    """OOXML ``_xHHHH_`` escapes (how Excel stores control characters) back to characters."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)
