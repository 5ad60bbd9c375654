"""Read a scenario back from a workbook's Inputs sheet — safely, from untrusted files.

The Inputs sheet contract (shared with the writer in :mod:`finmodel.workbook`): every scenario input
is a single cell with the workbook-scoped defined name ``engine.name_of(path)`` (``heavy_occupancy``),
the scenario's name and description are the named cells ``scenario_name`` and
``scenario_description``, each input's source text sits in the same row under the header
``来源 Source``, and model constants (``months_per_year`` ...) are named cells that must keep their
values. ``timeline_months`` names the month-number row of the timeline (its width is the exported
horizon + 1), ``checks_ok`` the master check, ``check_<key>`` each check. The Catalogue sheet's
ranges (``catalogue_gpu_tflops`` …, one per :data:`finmodel.model.tables.TABLES` entry) must hold
the model's catalogue: a changed figure would make the workbook compute what the engine does not
(write the input that overrides it instead), so import refuses it naming the cell.

A workbook with several scenarios (``finmodel export A.toml B.toml``) has a column of values per
scenario; the named cell ``scenario_switch`` holds the name of the live one, ``scenario_names`` names
the row of scenario names, and each input's defined name is ``INDEX('Inputs'!$C$r:$E$r,1,scenario_index)``.
Import reads the **live** scenario — the one the switch selects, as the workbook computes it.

Refused, with the cell named: a horizon above the exported months (the timeline would silently
stop short), and — when the file carries saved values (Excel or LibreOffice saved it) — a master
check ``checks_ok`` of 0, naming every failing check. The parts are read by :mod:`.xlsxread`
(archive checks, defusedxml, strict cell values); formulas are never evaluated. Every problem is
reported with the cell it came from, all at once, as a :class:`WorkbookError`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from finmodel import schema
from finmodel.model import engine, expr, tables
from finmodel.schema import MISSING, Problem, Scenario, ScenarioError
from finmodel.workbook.refs import SCENARIO_INDEX, Ref, cell_name, col_letters, parse_name
from finmodel.workbook.xlsxread import MAX_BYTES, MAX_ROWS, BadCell, CellError, Package, WorkbookError, file_problem

__all__ = ["WorkbookError", "read_workbook", "INPUTS", "CHECKS", "NAME_CELL", "DESCRIPTION_CELL", "SOURCE_HEADER",
           "OTHER_SOURCES_HEADER", "FIELD_HEADER", "MAX_BYTES", "SWITCH_CELL", "SCENARIO_NAMES", "SCENARIO_INDEX",
           "TIMELINE_MONTHS", "CHECKS_OK", "CHECK_PREFIX", "WORKBOOK_CONSTANTS", "source_header", "CATALOGUE"]

INPUTS = "Inputs"
CHECKS = "Checks"
CATALOGUE = "Catalogue"
NAME_CELL = "scenario_name"
DESCRIPTION_CELL = "scenario_description"
SOURCE_HEADER = "来源 Source"
OTHER_SOURCES_HEADER = "其他来源 Other sources"  # rows: key in the field column, text in the source column
FIELD_HEADER = "字段 Field"
SWITCH_CELL, SCENARIO_NAMES = "scenario_switch", "scenario_names"
TIMELINE_MONTHS = "timeline_months"
CHECKS_OK, CHECK_PREFIX = "checks_ok", "check_"
#: Workbook-only named constants on the Inputs sheet (display conversions): name → value.
WORKBOOK_CONSTANTS = {"cny_per_wan": 10_000.0}
_SCAN_HEADER_ROWS = 30

def source_header(k: int | None) -> str:
    """The Source column's header: one column, or one per scenario (``来源 Source 2``)."""
    return SOURCE_HEADER if k is None else f"{SOURCE_HEADER} {k}"


# --------------------------------------------------------------------------- reading
def _read_bytes(source: bytes | bytearray | str | os.PathLike[str]) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), ""
    p = Path(source)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise file_problem(f"file too large ({size:,} bytes); allowed: ≤ {MAX_BYTES:,} bytes")
        return p.read_bytes(), str(p)
    except OSError as err:
        raise file_problem(f"cannot read {p}: {err.strerror}") from None


def read_workbook(source: bytes | bytearray | str | os.PathLike[str]) -> Scenario:
    """The (live) scenario on a workbook's Inputs sheet, validated against the schema.

    Parameters
    ----------
    source : the xlsx file's bytes, or a path to it.

    Raises
    ------
    WorkbookError
        Not an xlsx file, a zip bomb or oversized file, a malformed part, a missing sheet or defined
        name, text or NaN in a numeric cell, a value out of range, a horizon above the exported
        months, a saved master check of 0 ... — every problem with the cell that holds it.
    """
    data, origin = _read_bytes(source)
    try:
        return _read(data)
    except WorkbookError as err:
        if origin and not err.origin:
            raise WorkbookError(err.problems, origin) from None
        raise


def _read(data: bytes) -> Scenario:
    pkg = Package(data)
    if INPUTS not in pkg.sheets:
        raise file_problem(f"missing sheet {INPUTS!r} (sheets: {', '.join(list(pkg.sheets)[:20])})")
    rd = _Reader(pkg, pkg.cells(INPUTS))
    scenario = rd.scenario()
    if rd.problems:
        raise WorkbookError(rd.problems)
    assert scenario is not None
    return scenario


class _Reader:
    """The Inputs-sheet contract over one package; collects every problem."""

    def __init__(self, pkg: Package, cells: dict) -> None:
        self.pkg, self.cells = pkg, cells
        self.names = {k: parse_name(v) for k, v in pkg.names.items()}
        self.problems: list[Problem] = []
        self.live: int | None = None  # 0-based live scenario of a multi-scenario workbook
        self.where: dict[str, str] = {}  # field → its cell, for messages
        self._checks_cells: dict | None = None

    # ---- locating --------------------------------------------------------------------------
    def _missing(self, field: str, name: str, why: str) -> None:
        self.problems.append(Problem(field, MISSING, f"defined name {name!r} {why}"))

    def locate(self, field: str, name: str) -> tuple[int, int] | None:
        """The Inputs cell a defined name stands for (the live scenario's, in a multi-scenario book)."""
        ref = self.names.get(name.lower())
        if ref is None:
            self.problems.append(Problem(field, MISSING, f"missing defined name {name!r} (the {INPUTS} sheet of a "
                                         "finmodel workbook names every input cell)"))
            return None
        if isinstance(ref, str):
            self._missing(field, name, ref)
            return None
        if ref.sheet != INPUTS:
            self._missing(field, name, f"points to sheet {ref.sheet!r}; inputs must be on {INPUTS!r}")
            return None
        if ref.switched:
            if self.live is None or ref.c1 + self.live > ref.c2:
                self._missing(field, name, "switches between scenarios, but no scenario is selected")
                return None
            return ref.r1, ref.c1 + self.live
        if (ref.r1, ref.c1) != (ref.r2, ref.c2):
            self._missing(field, name, f"refers to the range {cell_name(ref.r1, ref.c1, ref.sheet)}:"
                          f"{col_letters(ref.c2)}{ref.r2}, not one cell")
            return None
        return ref.r1, ref.c1

    def value(self, field: str, rc: tuple[int, int]) -> Any:
        """The cell's value; a formula counts only with a saved result."""
        cell = self.cells.get(rc)
        if cell is None:
            return None
        v, where = cell.value, cell_name(*rc)
        if isinstance(v, BadCell):
            self.problems.append(Problem(field, MISSING, f"cell {where} {v.why}"))
            return MISSING
        if cell.formula is not None and v is None:
            self.problems.append(Problem(field, cell.formula, f"cell {where} holds a formula without a saved value; "
                                         "type the value (or open and save the file in Excel)"))
            return MISSING
        if isinstance(v, CellError):
            self.problems.append(Problem(field, str(v), f"cell {where} holds the error {v}"))
            return MISSING
        return v

    # ---- the scenario ----------------------------------------------------------------------
    def scenario(self) -> Scenario | None:
        self._select_live()
        data: dict[str, Any] = {section: {} for section in schema.SECTIONS}
        for field, name in (("name", NAME_CELL), ("description", DESCRIPTION_CELL)):
            v = self._text_cell(field, name)
            if v is not MISSING:
                data[field] = "" if v is None and field == "description" else v
        source_col = self._source_column()
        sources: dict[str, str] = {}
        for path, spec in schema.FIELDS.items():
            rc = self.locate(path, engine.name_of(path))
            if rc is None:
                continue
            self.where[path] = cell_name(*rc)
            v = self.value(path, rc)
            if v is not MISSING:
                v = _convert(self, path, spec, v, rc)
            if v is not MISSING:
                data[spec.section][spec.name] = v
            if source_col is not None:
                src = self.cells.get((rc[0], source_col))
                if src is not None and isinstance(src.value, (str, int, float)) and src.value != "":
                    sources[path] = _text(src.value)
        self._constants()
        self._catalogue()
        if source_col is not None:
            sources.update(self._other_sources(source_col))
        data["sources"] = sources
        self._horizon(data["general"].get("horizon_months"))
        self._saved_checks()
        try:
            return schema.validate(data, strict=True)  # unreadable cells are absent here
        except ScenarioError as err:
            seen = {p.field for p in self.problems}
            self.problems += [_with_check(_with_cell(p, self.where)) for p in err.problems if p.field not in seen]
        return None

    def _select_live(self) -> None:
        """In a multi-scenario workbook, which column the switch selects."""
        if SWITCH_CELL not in self.names:
            return
        rc = self.locate("scenario switch", SWITCH_CELL)
        names = self.names.get(SCENARIO_NAMES)
        if rc is None:
            return
        if not isinstance(names, Ref) or names.sheet != INPUTS or names.r1 != names.r2:
            self._missing("scenario switch", SCENARIO_NAMES, "must name the row of scenario names on Inputs")
            return
        v = self.value("scenario switch", rc)
        options = [_text(c.value) for col in range(names.c1, names.c2 + 1)
                   if (c := self.cells.get((names.r1, col))) is not None and c.value is not None]
        if isinstance(v, str) and v in options:
            self.live = options.index(v)
            return
        shown = ", ".join(repr(o) for o in options[:6])
        self.problems.append(Problem("scenario switch", v, f"cell {cell_name(*rc)} must name one of the scenarios "
                                     f"({shown})"))

    def _text_cell(self, field: str, name: str) -> Any:
        rc = self.locate(field, name)
        if rc is None:
            return MISSING
        self.where[field] = cell_name(*rc)
        v = self.value(field, rc)
        return v if v is MISSING or v is None else _text(v)

    def _source_column(self) -> int | None:
        header = source_header(None if self.live is None else self.live + 1)
        col = _find_header(self.cells, header)
        if col is None:
            self.problems.append(Problem("sources", MISSING, f"no column headed {header!r} on the {INPUTS} sheet"))
        return col

    def _constants(self) -> None:
        consts = [(c.name, c.value, c.label_en) for c in expr.UNIT_CONSTANTS]
        consts += [(name, value, name) for name, value in WORKBOOK_CONSTANTS.items()]
        for name, value, label in consts:
            rc = self.locate(name, name)
            if rc is None:
                continue
            v = self.value(name, rc)
            if v is MISSING:
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)) or float(v) != value:
                self.problems.append(Problem(name, v, f"cell {cell_name(*rc)} is a model constant ({label}); "
                                             f"it must stay {value:g}"))

    def _catalogue(self) -> None:
        """Every catalogue value as the model has it (a blank figure: empty or "n/a")."""
        cells: dict | None = None
        for t in tables.TABLES:
            ref = self.names.get(t.name)
            shape = (len(t.rows), len(t.cols))
            if not isinstance(ref, Ref) or ref.sheet != CATALOGUE or (ref.r2 - ref.r1 + 1,
                                                                       ref.c2 - ref.c1 + 1) != shape:
                self._missing(t.name, t.name, f"must name the {shape[0]} × {shape[1]} values of the {CATALOGUE} "
                              f"sheet's table {t.label_en!r} (a workbook from an older finmodel? re-export it)")
                continue
            if cells is None:
                cells = self.pkg.cells(CATALOGUE)
            for i, key in enumerate(t.rows):
                for j, col in enumerate(t.cols):
                    self._catalogue_cell(t, key, col, t.values[i][j], cells.get((ref.r1 + i, ref.c1 + j)),
                                         cell_name(ref.r1 + i, ref.c1 + j, CATALOGUE))

    def _catalogue_cell(self, t: tables.Table, key: str, col: str, want: float, cell: Any, where: str) -> None:
        v = None if cell is None else cell.value
        if want != want:  # NaN: no figure
            if v is None or v == "n/a":
                return
        elif not isinstance(v, bool) and isinstance(v, (int, float)) and float(v) == want:
            return
        what = f"{key}" + ("" if t.col_field is None else f" {col}")
        need = "empty or 'n/a' (no figure)" if want != want else f"{want:g} {t.unit}"
        self.problems.append(Problem(t.name, v if isinstance(v, (str, int, float)) else str(v), (
            f"cell {where} is the catalogue's {t.label_en} for {what}; it must stay {need} (to use another figure, "
            f"write the input that overrides the catalogue on {INPUTS})")))

    def _other_sources(self, source_col: int) -> dict[str, str]:
        """Sources whose key is not an input (kept so that a round trip is exact)."""
        start = next((r for (r, _), c in self.cells.items()
                      if isinstance(c.value, str) and c.value.strip() == OTHER_SOURCES_HEADER), None)
        if start is None:
            return {}
        field_col = _find_header(self.cells, FIELD_HEADER) or 1
        out: dict[str, str] = {}
        for r in range(start + 1, MAX_ROWS + 1):
            key, text = self.cells.get((r, field_col)), self.cells.get((r, source_col))
            if key is None or key.value is None:
                break
            if isinstance(key.value, str) and key.value not in schema.FIELDS and text is not None \
                    and isinstance(text.value, (str, int, float)):
                out[key.value] = _text(text.value)
        return out

    # ---- the checks --------------------------------------------------------------------------
    def _horizon(self, horizon: Any) -> None:
        """Check ``horizon_within_export``: the horizon may not exceed the exported timeline."""
        ref = self.names.get(TIMELINE_MONTHS)
        if not isinstance(ref, Ref) or ref.r1 != ref.r2:
            self._missing("general.horizon_months", TIMELINE_MONTHS, "is missing or not one row (it names the "
                          "timeline's month numbers; a workbook from an older finmodel? re-export it)")
            return
        exported = ref.c2 - ref.c1
        if isinstance(horizon, int) and not isinstance(horizon, bool) and horizon > exported:
            cell = self.where.get("general.horizon_months", "")
            self.problems.append(Problem("general.horizon_months", horizon, (
                f"cell {cell}: out of range: above the {exported} months this workbook was exported with "
                f"(check horizon_within_export); allowed: an integer, 1 ≤ value ≤ {exported}, or re-export "
                "for a longer horizon")))

    def _saved_checks(self) -> None:
        """When the file carries saved values, its master check must be 1 (else name each failing check)."""
        master = self._saved(CHECKS_OK)
        if master is None or master == 1:
            return
        failing = [f"{name.removeprefix(CHECK_PREFIX)} ({where})" for name in self.names
                   if name.startswith(CHECK_PREFIX) and (v := self._saved(name)) is not None and v != 1
                   for where in [self._where(name)]]
        what = ", ".join(failing[:8]) or "see the Checks sheet"
        self.problems.append(Problem("checks", MISSING, f"the saved master check {CHECKS_OK} ({self._where(CHECKS_OK)})"
                                     f" is {master!r}, not 1; failing: {what}"))

    def _where(self, name: str) -> str:
        ref = self.names.get(name)
        return cell_name(ref.r1, ref.c1, ref.sheet) if isinstance(ref, Ref) else name

    def _saved(self, name: str) -> Any:
        """The saved value of a named formula cell on the Checks sheet (None when nothing is saved)."""
        ref = self.names.get(name)
        if not isinstance(ref, Ref) or ref.sheet != CHECKS or CHECKS not in self.pkg.sheets:
            return None
        if self._checks_cells is None:
            self._checks_cells = self.pkg.cells(CHECKS)
        cell = self._checks_cells.get((ref.r1, ref.c1))
        if cell is None or cell.value is None or isinstance(cell.value, BadCell):
            return None
        v = cell.value
        return str(v) if isinstance(v, (CellError, str)) else v


def _text(v: Any) -> str:
    return v if isinstance(v, str) else (repr(v) if isinstance(v, float) else str(v))


def _find_header(cells: dict, header: str) -> int | None:
    for (r, c), cell in cells.items():
        if r <= _SCAN_HEADER_ROWS and isinstance(cell.value, str) and cell.value.strip() == header:
            return c
    return None


def _convert(rd: _Reader, path: str, spec: schema.FieldSpec, v: Any, rc: tuple[int, int]) -> Any:
    cell = cell_name(*rc)
    if v is None:
        if spec.optional:
            return None
        rd.problems.append(Problem(path, MISSING, f"cell {cell} is empty; allowed: {spec.range_text()}"))
        return MISSING
    if spec.kind in ("choice", "str"):
        if not isinstance(v, str):
            rd.problems.append(Problem(path, v, f"cell {cell} must be text; allowed: {spec.range_text()}"))
            return MISSING
        return v.strip()
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        kind = "text" if isinstance(v, str) else type(v).__name__
        rd.problems.append(Problem(path, v, f"cell {cell} holds {kind}, expected a number; "
                                   f"allowed: {spec.range_text()}"))
        return MISSING
    if spec.kind == "int":
        if float(v) != round(float(v)):
            rd.problems.append(Problem(path, v, f"cell {cell} must be a whole number; allowed: {spec.range_text()}"))
            return MISSING
        return int(v)
    return float(v)


_RANGE_WORDS = ("out of range", "not an allowed choice", "unknown GPU")


def _with_check(p: Problem) -> Problem:
    """A bound the Checks sheet re-tests names its check (the workbook shows it failing too)."""
    if p.field in schema.FIELDS and any(w in p.message for w in _RANGE_WORDS):
        return Problem(p.field, p.value, f"{p.message} (check inputs_in_range)")
    return p


def _with_cell(p: Problem, cells: dict[str, str]) -> Problem:
    cell = cells.get(p.field)
    if cell is None:
        for k, v in cells.items():  # e.g. "light.sell_price_cny_per_p_year" inside a cross-field message
            if k in p.message:
                cell = v
                break
    return Problem(p.field, p.value, f"cell {cell}: {p.message}" if cell else p.message)
