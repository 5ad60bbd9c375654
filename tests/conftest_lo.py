"""LibreOffice as the test oracle for exported workbooks.

``recalculate`` opens workbooks in headless LibreOffice Calc with a private user profile that forces
a full recalculation on load (``OOXMLRecalcMode = 0``: never trust cached values), saves them as xlsx
again, and returns the recalculated copies — which openpyxl then reads with ``data_only=True``.
Starting LibreOffice costs about 2 s, so callers pass many workbooks to one call. ``displayed_text``
(its CSV export) and ``displayed_cells`` (its HTML export, with each cell's background after
conditional formatting) show what a reader sees.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, NamedTuple

from .conftest import require_binary

_ITEM = ('<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="{}" oor:op="fuse">'
         "<value>0</value></prop></item>")
RECALC_XCU = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema">\n'
    + _ITEM.format("OOXMLRecalcMode") + "\n" + _ITEM.format("ODFRecalcMode") + "\n</oor:items>\n"
)  # 0 = always recalculate on load, never trust the file's cached values


def soffice() -> str:
    """Path of ``soffice``: skipped without it, a failure where ``CI`` is set."""
    return require_binary("soffice")


def _convert(files: Sequence[Path], workdir: Path, convert_to: str, name: str, timeout: float):
    """One headless LibreOffice conversion with a private, recalculate-on-load profile."""
    profile = workdir / f"lo-profile-{name}"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_XCU, encoding="utf-8")
    outdir = workdir / name
    outdir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [soffice(), f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
         "--nolockcheck", "--convert-to", convert_to, "--outdir", str(outdir), *[str(f) for f in files]],
        capture_output=True, text=True, timeout=timeout, check=False,
    )
    return proc, outdir


def recalculate(files: Sequence[Path], workdir: Path, *, timeout: float = 1800) -> dict[Path, Path]:
    """Recalculate ``files`` in one LibreOffice run; map each input to its recalculated copy."""
    names = [f.name for f in files]
    if len(set(names)) != len(names):
        raise ValueError("workbooks recalculated together need distinct file names")
    proc, outdir = _convert(files, workdir, "xlsx:Calc MS Excel 2007 XML", "recalculated", timeout)
    out = {f: outdir / f.name for f in files}
    missing = [str(f) for f, o in out.items() if not o.exists()]
    if proc.returncode != 0 or missing:
        raise RuntimeError(f"LibreOffice failed (exit {proc.returncode}); not converted: {missing}\n"
                           f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return out


def recalculated_scenarios(cases: Mapping[str, Any], workdir: Path) -> dict[str, Any]:
    """The workbook of each scenario of ``cases`` (id → scenario), recalculated together by
    LibreOffice and read with its values (openpyxl ``data_only``): id → workbook."""
    import openpyxl

    from finmodel import workbook

    files: dict[str, Path] = {}
    for cid, s in cases.items():
        files[cid] = workdir / f"{cid}.xlsx"
        files[cid].write_bytes(workbook.workbook_bytes(s, sensitivity=False))
    out = recalculate(list(files.values()), workdir)
    return {cid: openpyxl.load_workbook(out[p], data_only=True) for cid, p in files.items()}


def displayed_text(workbook: Path, workdir: Path, *, timeout: float = 300) -> dict[str, list[list[str]]]:
    """Every sheet of a workbook as LibreOffice displays it (formatted text), via its CSV export."""
    import csv

    # comma-separated, '"'-quoted, UTF-8, "as shown" (formatted) text, all sheets (-1: one file each)
    fmt = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"
    proc, outdir = _convert([workbook], workdir, fmt, "csv", timeout)
    out = {}
    for f in outdir.glob(f"{workbook.stem}-*.csv"):
        with f.open(encoding="utf-8", newline="") as fh:
            out[f.stem.removeprefix(workbook.stem + "-")] = list(csv.reader(fh))
    if proc.returncode != 0 or not out:
        raise RuntimeError(f"LibreOffice CSV export failed (exit {proc.returncode})\n{proc.stderr[-2000:]}")
    return out


class DisplayedCell(NamedTuple):
    """A cell as LibreOffice shows it: its formatted text and background colour (conditional
    formatting applied), from its HTML export."""

    text: str
    background: str | None  # "#D9D9D9"; None = no fill


def displayed_cells(workbooks: Sequence[Path], workdir: Path, *,
                    timeout: float = 300) -> dict[Path, dict[str, list[list[DisplayedCell]]]]:
    """Every sheet of each workbook as LibreOffice displays it after recalculation, cell by cell,
    with the background each cell shows after conditional formatting (its HTML export keeps both),
    in one LibreOffice run. Merged cells appear once (HTML colspan) and hidden columns not at all,
    so rows are matched by their content, not by column."""
    proc, outdir = _convert(workbooks, workdir, "html:HTML (StarCalc)", "html", timeout)
    out = {}
    for wb in workbooks:
        page = outdir / f"{wb.stem}.html"
        if proc.returncode != 0 or not page.exists():
            raise RuntimeError(f"LibreOffice HTML export failed (exit {proc.returncode})\n{proc.stderr[-2000:]}")
        parser = _Sheets()
        parser.feed(page.read_text(encoding="utf-8"))
        out[wb] = parser.sheets
    return out


class _Sheets(HTMLParser):
    """The tables of LibreOffice's HTML export, each after its ``<h1>Sheet k: <em>name</em></h1>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sheets: dict[str, list[list[DisplayedCell]]] = {}
        self._sheet: str | None = None
        self._in_h1 = self._in_em = False
        self._cell: list[str] | None = None
        self._background: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h1":
            self._in_h1 = True
        elif tag == "em" and self._in_h1:
            self._in_em = True
        elif tag == "tr" and self._sheet is not None:
            self.sheets[self._sheet].append([])
        elif tag == "td" and self._sheet is not None:
            self._cell, self._background = [], dict(attrs).get("bgcolor")
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = self._in_em = False
        elif tag == "em":
            self._in_em = False
        elif tag == "td" and self._cell is not None and self._sheet is not None:
            rows = self.sheets[self._sheet]
            if rows:
                rows[-1].append(DisplayedCell("".join(self._cell).strip(), self._background))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._in_em:
            self._sheet = data
            self.sheets[data] = []
        elif self._cell is not None:
            self._cell.append(data)
