"""The month grid, written straight into the sheet XML: most of a workbook's cells, ~10× faster.

A 120-month workbook has ~15,000 formula cells on the Heavy, Light and IRR solver sheets; building
an openpyxl ``Cell`` for each and letting openpyxl serialise it took about 80 % of an export. The
sheet writers instead give those cells to a :class:`Bulk` (row, column, formula or value, and a
style index taken from an openpyxl-styled cell of the same kind), and :func:`save` splices them into
the sheet's XML as openpyxl writes it — after that row's openpyxl cells, which must sit in earlier
columns (labels, totals, month 0). Everything else (styles, names, validation, charts, print
setup) stays openpyxl's. Input floats that openpyxl's ``%.16g`` would round get their 17-digit
``repr`` in the same pass (:func:`~finmodel.workbook.xlsx.exact_value_patch`).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

__all__ = ["Bulk", "style_id", "save"]

_ROW = re.compile(r'<row r="(\d+)"([^>]*?)(/>|>)')
_LAST_CELL = re.compile(r'<c r="([A-Z]+)\d+"')
_DIMENSION = re.compile(r'<dimension ref="[^"]*"\s*/>')


@cache
def _letter(col: int) -> str:
    return get_column_letter(col)


def style_id(ws: Any, **style: Any) -> int:
    """The workbook's index of a cell style (``number_format=…, font=…``), as openpyxl would write it."""
    cell = Cell(ws, row=1, column=1)  # not placed on the sheet: only its style is used
    for attr, value in style.items():
        setattr(cell, attr, value)
    return cell.style_id


class Bulk:
    """Cells of one sheet to be written into its XML by :func:`save`."""

    def __init__(self, sheet: str) -> None:
        self.sheet = sheet
        self.rows: dict[int, list[tuple[int, str]]] = defaultdict(list)
        self.max_row = self.max_col = 0

    def _add(self, row: int, col: int, body: str) -> None:
        self.rows[row].append((col, body))
        self.max_row, self.max_col = max(self.max_row, row), max(self.max_col, col)

    def formula(self, row: int, col: int, text: str, sid: int) -> None:
        """A formula cell (``text`` without the ``=``)."""
        self._add(row, col, f'<c r="{_letter(col)}{row}" s="{sid}"><f>{escape(text)}</f><v/></c>')

    def formula_across(self, row: int, first_col: int, template: str, cols: Sequence[str], prevs: Sequence[str],
                       sid: int) -> None:
        """One formula in consecutive columns from ``first_col``: ``template`` (without the ``=``) with
        ``{c}`` and ``{p}`` replaced by each column's letters and its previous column's. The template is
        escaped once (column letters need no escaping), not every cell's text."""
        xml = escape(template)
        cells = self.rows[row]
        for j, (c, p) in enumerate(zip(cols, prevs, strict=True)):
            cells.append((first_col + j, f'<c r="{_letter(first_col + j)}{row}" s="{sid}"><f>'
                                         f'{xml.replace("{c}", c).replace("{p}", p)}</f><v/></c>'))
        if cols:
            self.max_row, self.max_col = max(self.max_row, row), max(self.max_col, first_col + len(cols) - 1)

    def number(self, row: int, col: int, value: float, sid: int) -> None:
        """A number cell, written exactly (``repr``: 17 significant digits where needed)."""
        text = repr(int(value)) if isinstance(value, int) else repr(float(value))
        self._add(row, col, f'<c r="{_letter(col)}{row}" s="{sid}" t="n"><v>{text}</v></c>')

    def text(self, row: int, col: int, text: str, sid: int) -> None:
        """A text cell (an inline string; never a formula)."""
        self._add(row, col, f'<c r="{_letter(col)}{row}" s="{sid}" t="inlineStr"><is><t>{escape(text)}</t></is></c>')

    def patch(self, xml: str) -> str:
        """The sheet XML with these cells appended to their rows and the dimension widened."""
        pieces: list[str] = []
        pos = 0
        done: set[int] = set()
        for m in _ROW.finditer(xml):
            r = int(m.group(1))
            extra = self.rows.get(r)
            if not extra:
                continue
            extra.sort()
            cells = "".join(body for _, body in extra)
            done.add(r)
            if m.group(3) == "/>":  # an empty row element
                pieces += [xml[pos:m.start()], f'<row r="{r}"{m.group(2)}>', cells, "</row>"]
                pos = m.end()
                continue
            end = xml.index("</row>", m.end())
            last = _LAST_CELL.findall(xml, m.end(), end)
            if last and _col(last[-1]) >= extra[0][0]:  # pragma: no cover - a writer bug
                raise RuntimeError(f"{self.sheet}: bulk cell {_letter(extra[0][0])}{r} is not after {last[-1]}{r}")
            pieces += [xml[pos:end], cells]
            pos = end
        pieces.append(xml[pos:])
        missing = set(self.rows) - done
        if missing:  # pragma: no cover - a writer bug: every bulk row needs an openpyxl cell in it
            raise RuntimeError(f"{self.sheet}: rows {sorted(missing)[:5]} have bulk cells but no row element")
        return _DIMENSION.sub(lambda m: self._dimension(m.group(0)), "".join(pieces), count=1)

    def _dimension(self, tag: str) -> str:
        m = re.search(r'ref="(?:[A-Z]+\d+:)?([A-Z]+)(\d+)"', tag)
        col, row = (_col(m.group(1)), int(m.group(2))) if m else (1, 1)
        return f'<dimension ref="A1:{_letter(max(col, self.max_col))}{max(row, self.max_row)}"/>'


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


class _PatchingZip(zipfile.ZipFile):
    """A zip archive that rewrites chosen members as openpyxl writes them (no second compression pass)."""

    patches: dict[str, Callable[[str], str]]

    def write(self, filename: Any, arcname: Any = None, compress_type: Any = None, compresslevel: Any = None) -> None:
        fix = self.patches.get(str(arcname))
        if fix is None:
            return super().write(filename, arcname, compress_type, compresslevel)
        with open(filename, "rb") as f:
            body = f.read().decode("utf-8")
        super().writestr(str(arcname), fix(body).encode("utf-8"))

    def writestr(self, zinfo_or_arcname: Any, data: Any, compress_type: Any = None, compresslevel: Any = None) -> None:
        name = zinfo_or_arcname if isinstance(zinfo_or_arcname, str) else zinfo_or_arcname.filename
        fix = self.patches.get(name)
        if fix is not None:
            data = fix(data.decode("utf-8") if isinstance(data, bytes) else data).encode("utf-8")
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)


def save(wb: Workbook, patches: dict[str, Callable[[str], str]]) -> bytes:
    """Save ``wb`` as xlsx bytes, each sheet titled in ``patches`` rewritten by its function."""
    members = {f"xl/worksheets/sheet{i}.xml": patches[ws.title]
               for i, ws in enumerate(wb.worksheets, start=1) if ws.title in patches}
    buf = io.BytesIO()
    archive = _PatchingZip(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    archive.patches = {}
    done: set[str] = set()

    def once(member: str, fix: Callable[[str], str]) -> Callable[[str], str]:
        def run(xml: str) -> str:
            done.add(member)
            return fix(xml)
        return run

    archive.patches = {m: once(m, f) for m, f in members.items()}
    ExcelWriter(wb, archive).save()
    if done != set(members):  # pragma: no cover - openpyxl changed how it writes sheets
        raise RuntimeError(f"sheets not patched: {sorted(set(members) - done)}")
    return buf.getvalue()
