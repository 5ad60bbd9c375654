"""Read a scenario back from a workbook's Inputs sheet — safely, from untrusted files.

The Inputs sheet contract (shared with the writer in :mod:`finmodel.workbook`): every scenario input
is a single cell with the workbook-scoped defined name ``engine.name_of(path)`` (``heavy_occupancy``),
the scenario's name and description are the named cells ``scenario_name`` and
``scenario_description``, each input's source text sits in the same row under the header
``来源 Source``, and model constants (``months_per_year`` ...) are named cells that must keep their
values.

An uploaded file is checked before any XML is parsed: size, zip structure, member count,
uncompressed size and compression ratio (zip bombs), no macros. openpyxl then parses it with
defusedxml (entity bombs refused) in read-only mode, and only the Inputs sheet is read. Formulas are
never evaluated: an input cell holding a formula counts only if the file carries its saved value.
Every problem is reported with the cell it came from, all at once, as a :class:`WorkbookError`.
"""

from __future__ import annotations

import io
import math
import os
import zipfile
from pathlib import Path
from typing import Any

from openpyxl.utils.escape import unescape

from finmodel import schema
from finmodel.model import engine, expr
from finmodel.schema import MISSING, Problem, Scenario, ScenarioError

__all__ = ["WorkbookError", "read_workbook", "check_archive", "INPUTS", "NAME_CELL", "DESCRIPTION_CELL",
           "SOURCE_HEADER", "OTHER_SOURCES_HEADER", "MAX_BYTES"]

INPUTS = "Inputs"
NAME_CELL = "scenario_name"
DESCRIPTION_CELL = "scenario_description"
SOURCE_HEADER = "来源 Source"
OTHER_SOURCES_HEADER = "其他来源 Other sources"  # rows: key in the field column, text in the source column
FIELD_HEADER = "字段 Field"

MAX_BYTES = 20 * 2**20  # a generated 360-month workbook is well under 2 MB
MAX_UNCOMPRESSED = 200 * 2**20
MAX_RATIO = 200  # generated sheet XML compresses ~10-30×; bombs compress 1000×
MAX_MEMBERS = 500
MAX_INPUT_ROWS = 2000  # the Inputs sheet has ~80 rows; never scan a huge sheet
_SCAN_HEADER_ROWS = 30


class WorkbookError(ScenarioError):
    """A workbook that cannot be read as a scenario.

    ``problems`` holds one :class:`~finmodel.schema.Problem` per bad cell; each message names the
    sheet and cell (``Inputs!C27``). A ``ValueError`` (through ``ScenarioError``), so callers that
    handle bad scenario files handle bad workbooks too."""


def _file_problem(message: str) -> WorkbookError:
    return WorkbookError([Problem("file", MISSING, message)])


# --------------------------------------------------------------------------- pre-flight
def check_archive(data: bytes) -> None:
    """Refuse anything that is not a plausible, bounded xlsx archive (before parsing any XML)."""
    if len(data) > MAX_BYTES:
        raise _file_problem(f"file too large ({len(data):,} bytes); allowed: ≤ {MAX_BYTES:,} bytes")
    if not data.startswith(b"PK"):
        raise _file_problem("not an xlsx workbook (not a zip archive); save it as Excel Workbook (.xlsx)")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as err:
        raise _file_problem(f"not an xlsx workbook (broken zip archive: {err})") from None
    if len(infos) > MAX_MEMBERS:
        raise _file_problem(f"too many parts in the archive ({len(infos)}); allowed: ≤ {MAX_MEMBERS}")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise _file_problem(f"uncompressed size too large ({total:,} bytes, a zip bomb?); "
                            f"allowed: ≤ {MAX_UNCOMPRESSED:,} bytes")
    for i in infos:
        if i.file_size > 1_000_000 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise _file_problem(f"suspicious compression ratio in {i.filename!r} "
                                f"({i.file_size:,} bytes from {i.compress_size:,}; a zip bomb?)")
    names = {i.filename for i in infos}
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise _file_problem("workbook contains macros; save it as .xlsx without macros")
    for required in ("[Content_Types].xml", "xl/workbook.xml"):
        if required not in names:
            raise _file_problem(f"not an xlsx workbook (no {required} inside; is it .xls, .ods or .xlsb?)")


def _read_bytes(source: bytes | bytearray | str | os.PathLike[str]) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), ""
    p = Path(source)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise _file_problem(f"file too large ({size:,} bytes); allowed: ≤ {MAX_BYTES:,} bytes")
        return p.read_bytes(), str(p)
    except OSError as err:
        raise _file_problem(f"cannot read {p}: {err.strerror}") from None


# --------------------------------------------------------------------------- reading
def read_workbook(source: bytes | bytearray | str | os.PathLike[str]) -> Scenario:
    """The scenario on a workbook's Inputs sheet, validated against the schema.

    Parameters
    ----------
    source : the xlsx file's bytes, or a path to it.

    Raises
    ------
    WorkbookError
        Not an xlsx file, a zip bomb or oversized file, a missing sheet or defined name, text in a
        numeric cell, a value out of range ... — every problem with the cell that holds it.
    """
    data, origin = _read_bytes(source)
    try:
        return _read(data)
    except WorkbookError as err:
        if origin and not err.origin:
            raise WorkbookError(err.problems, origin) from None
        raise


def _read(data: bytes) -> Scenario:
    check_archive(data)
    import openpyxl

    if not openpyxl.DEFUSEDXML:  # pragma: no cover - defusedxml is a declared dependency
        raise _file_problem("refusing untrusted workbooks: install defusedxml")
    try:
        wb_f = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        wb_v = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many types for malformed parts
        raise _file_problem(f"cannot open as an xlsx workbook ({type(err).__name__}: {err})") from None
    try:
        if INPUTS not in wb_v.sheetnames:
            raise _file_problem(f"missing sheet {INPUTS!r} (sheets: {', '.join(wb_v.sheetnames)})")
        formulas = _sheet_cells(wb_f[INPUTS])
        values = _sheet_cells(wb_v[INPUTS])
        names = _input_names(wb_v)
        return _scenario_from(names, formulas, values)
    finally:
        wb_f.close()
        wb_v.close()


def _sheet_cells(ws: Any) -> dict[tuple[int, int], Any]:
    cells: dict[tuple[int, int], Any] = {}
    for r, row in enumerate(ws.iter_rows(max_col=26, values_only=True), start=1):
        if r > MAX_INPUT_ROWS:
            break
        for col, v in enumerate(row, start=1):
            if v is not None:
                cells[(r, col)] = v
    return cells


def _input_names(wb: Any) -> dict[str, tuple[str, int, int] | str]:
    """Defined name → (sheet, row, column) of its single cell, or a text explaining why not."""
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    out: dict[str, tuple[str, int, int] | str] = {}
    for name, dn in wb.defined_names.items():
        try:
            dests = list(dn.destinations)
        except Exception:  # a formula or constant name, not a cell reference
            out[name.lower()] = "is not a cell reference"
            continue
        if len(dests) != 1:
            out[name.lower()] = "refers to several areas"
            continue
        sheet, ref = dests[0]
        ref = ref.replace("$", "")
        if ":" in ref:
            a, b = ref.split(":", 1)
            if a != b:
                out[name.lower()] = f"refers to the range {sheet}!{ref}, not one cell"
                continue
            ref = a
        try:
            col, row = coordinate_from_string(ref)
        except ValueError:
            out[name.lower()] = f"refers to {ref!r}, not a cell"
            continue
        out[name.lower()] = (sheet, row, column_index_from_string(col))
    return out


def _coord(row: int, col: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{INPUTS}!{get_column_letter(col)}{row}"


class _Reader:
    def __init__(self, names: dict, formulas: dict, values: dict) -> None:
        self.names, self.formulas, self.values = names, formulas, values
        self.problems: list[Problem] = []

    def locate(self, field: str, name: str) -> tuple[int, int] | None:
        where = self.names.get(name.lower())
        if where is None:
            self.problems.append(Problem(field, MISSING, f"missing defined name {name!r} (the {INPUTS} sheet of "
                                         "a finmodel workbook names every input cell)"))
            return None
        if isinstance(where, str):
            self.problems.append(Problem(field, MISSING, f"defined name {name!r} {where}"))
            return None
        sheet, row, col = where
        if sheet != INPUTS:
            self.problems.append(Problem(field, MISSING, f"defined name {name!r} points to sheet {sheet!r}; "
                                         f"inputs must be on {INPUTS!r}"))
            return None
        return row, col

    def value(self, field: str, rc: tuple[int, int]) -> Any:
        """The cell's value; a formula counts only with a saved result."""
        v = self.values.get(rc)
        f = self.formulas.get(rc)
        if isinstance(f, str) and f.startswith("=") and v is None:
            self.problems.append(Problem(field, f, f"cell {_coord(*rc)} holds a formula without a saved value; "
                                         "type a number (or open and save the file in Excel)"))
            return MISSING
        if isinstance(v, str) and v.startswith("#"):
            self.problems.append(Problem(field, v, f"cell {_coord(*rc)} holds the error {v}"))
            return MISSING
        return v


def _scenario_from(names: dict, formulas: dict, values: dict) -> Scenario:
    rd = _Reader(names, formulas, values)
    source_col = _find_header(values, SOURCE_HEADER)
    if source_col is None:
        rd.problems.append(Problem("sources", MISSING, f"no column headed {SOURCE_HEADER!r} on the {INPUTS} "
                                   "sheet"))
    data: dict[str, Any] = {"general": {}, "heavy": {}, "light": {}}
    cells: dict[str, str] = {}
    sources: dict[str, str] = {}
    for field, key in (("name", NAME_CELL), ("description", DESCRIPTION_CELL)):
        rc = rd.locate(field, key)
        if rc is None:
            continue
        cells[field] = _coord(*rc)
        v = rd.value(field, rc)
        if v is MISSING:
            continue
        if field == "description" and v is None:
            v = ""
        if v is not None:
            v = unescape(v) if isinstance(v, str) else _number_text(v)
        data[field] = v
    for path, spec in schema.FIELDS.items():
        rc = rd.locate(path, engine.name_of(path))
        if rc is None:
            continue
        cells[path] = _coord(*rc)
        v = rd.value(path, rc)
        if v is MISSING:
            continue
        v = _convert(rd, path, spec, v, rc)
        if v is not MISSING:
            data[spec.section][spec.name] = v
        if source_col is not None:
            src = values.get((rc[0], source_col))
            if src is not None and src != "":  # an empty cell: no source
                sources[path] = unescape(src) if isinstance(src, str) else _number_text(src)
    for const in expr.CONSTANTS:
        rc = rd.locate(const.name, const.name)
        if rc is None:
            continue
        v = rd.value(const.name, rc)
        if v is MISSING:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)) or float(v) != const.value:
            rd.problems.append(Problem(const.name, v, f"cell {_coord(*rc)} is a model constant ({const.label_en}); "
                                       f"it must stay {const.value:g}"))
    if source_col is not None:
        sources.update(_other_sources(values, source_col))
    data["sources"] = sources
    try:
        scenario = schema.validate(data, strict=True)  # unreadable cells are absent here
    except ScenarioError as err:
        seen = {p.field for p in rd.problems}
        rd.problems += [_with_cell(p, cells) for p in err.problems if p.field not in seen]
    if rd.problems:
        raise WorkbookError(rd.problems)
    return scenario


def _find_header(values: dict, header: str) -> int | None:
    for (r, c), v in values.items():
        if r <= _SCAN_HEADER_ROWS and isinstance(v, str) and v.strip() == header:
            return c
    return None


def _other_sources(values: dict, source_col: int) -> dict[str, str]:
    """Sources whose key is not an input (kept so that a round trip is exact)."""
    start = next((r for (r, c), v in values.items() if isinstance(v, str) and v.strip() == OTHER_SOURCES_HEADER),
                 None)
    if start is None:
        return {}
    field_col = _find_header(values, FIELD_HEADER) or 1
    out: dict[str, str] = {}
    for r in range(start + 1, MAX_INPUT_ROWS + 1):
        key = values.get((r, field_col))
        if key is None:
            break
        text = values.get((r, source_col))
        if isinstance(key, str) and unescape(key) not in schema.FIELDS and text is not None:
            out[unescape(key)] = unescape(text) if isinstance(text, str) else _number_text(text)
    return out


def _number_text(v: Any) -> str:
    return repr(v) if isinstance(v, float) else str(v)


def _convert(rd: _Reader, path: str, spec: schema.FieldSpec, v: Any, rc: tuple[int, int]) -> Any:
    cell = _coord(*rc)
    if v is None:
        if spec.optional:
            return None
        rd.problems.append(Problem(path, MISSING, f"cell {cell} is empty; allowed: {spec.range_text()}"))
        return MISSING
    if spec.kind in ("choice", "str"):
        if not isinstance(v, str):
            rd.problems.append(Problem(path, v, f"cell {cell} must be text; allowed: {spec.range_text()}"))
            return MISSING
        return unescape(v).strip()
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        kind = "text" if isinstance(v, str) else type(v).__name__
        rd.problems.append(Problem(path, v, f"cell {cell} holds {kind}, expected a number; "
                                   f"allowed: {spec.range_text()}"))
        return MISSING
    if isinstance(v, float) and not math.isfinite(v):
        rd.problems.append(Problem(path, v, f"cell {cell} must be a finite number"))
        return MISSING
    if spec.kind == "int":
        if float(v) != round(float(v)):
            rd.problems.append(Problem(path, v, f"cell {cell} must be a whole number; allowed: {spec.range_text()}"))
            return MISSING
        return int(v)
    return float(v)


def _with_cell(p: Problem, cells: dict[str, str]) -> Problem:
    cell = cells.get(p.field)
    if cell is None:
        for k, v in cells.items():  # e.g. "light.sell_price_cny_per_p_year" inside a cross-field message
            if k in p.message:
                cell = v
                break
    return Problem(p.field, p.value, f"cell {cell}: {p.message}" if cell else p.message)
