"""Issue 15, "Workbook import": hostile edits to the Inputs sheet's XML of a real finmodel workbook.

A workbook an analyst sends back is untrusted. Each case edits the raw XML (or the zip around it) of
the seed's exported workbook, then reads it with :func:`finmodel.workbook.read_workbook` and with
``finmodel import``: the expected outcome is a :class:`~finmodel.workbook.WorkbookError` naming the
cell and the field (one line per problem), exit code 2 with ``error:`` lines, and no scenario file.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from finmodel import schema, workbook
from finmodel.model import engine

from .test_hostile_inputs import MAX_LINE, SEED_FILE, assert_refused, invoke, listing

INPUTS_XML = "xl/worksheets/sheet2.xml"  # the Inputs sheet of a finmodel workbook (checked below)


@pytest.fixture(scope="module")
def seed_xlsx() -> bytes:
    return workbook.workbook_bytes(schema.load(SEED_FILE), sensitivity=False)


@functools.lru_cache(maxsize=4)
def _input_cells(data: bytes) -> dict[str, str]:
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        out = {}
        for path in schema.FIELDS:
            ((sheet, ref),) = list(wb.defined_names[engine.name_of(path)].destinations)
            assert sheet == "Inputs"
            out[path] = ref.replace("$", "")
        return out
    finally:
        wb.close()


def cell_of(data: bytes, path: str) -> str:
    """``C33`` for ``heavy.occupancy``: the cell its defined name points to."""
    return _input_cells(data)[path]


def rezip(data: bytes, member: str, edit: Callable[[bytes], bytes]) -> bytes:
    """The workbook with one archive member rewritten."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        assert member in src.namelist()
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(info.filename, edit(body) if info.filename == member else body)
    return buf.getvalue()


def with_cell_xml(data: bytes, path: str, xml: str) -> tuple[bytes, str]:
    """Replace the ``<c>`` element of an input's cell by ``xml`` (``{ref}`` is the cell reference)."""
    ref = cell_of(data, path)

    def edit(body: bytes) -> bytes:
        text = body.decode("utf-8")
        new, n = re.subn(rf'<c r="{ref}"[^>]*>.*?</c>', xml.format(ref=ref), text, count=1)
        assert n == 1, f"cell {ref} not found in {INPUTS_XML}"
        return new.encode("utf-8")

    return rezip(data, INPUTS_XML, edit), f"Inputs!{ref}"


def local_header_offset(data: bytes, member: str) -> tuple[int, int]:
    """(offset of the member's local header, offset of its compressed data)."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    off = info.header_offset
    name_len = int.from_bytes(data[off + 26:off + 28], "little")
    extra_len = int.from_bytes(data[off + 28:off + 30], "little")
    return off, off + 30 + name_len + extra_len


def crc_corrupt(data: bytes) -> bytes:
    """The Inputs sheet's stored CRC-32 changed (local header and central directory)."""
    b = bytearray(data)
    off, _ = local_header_offset(data, INPUTS_XML)
    b[off + 14] ^= 0xFF
    i = data.find(b"PK\x01\x02")
    while i != -1:
        name_len = int.from_bytes(data[i + 28:i + 30], "little")
        if data[i + 46:i + 46 + name_len] == INPUTS_XML.encode():
            b[i + 16] ^= 0xFF
        i = data.find(b"PK\x01\x02", i + 4)
    return bytes(b)


def deflate_corrupt(data: bytes) -> bytes:
    """One byte in the middle of the Inputs sheet's compressed stream flipped."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(INPUTS_XML)
    _, start = local_header_offset(data, INPUTS_XML)
    b = bytearray(data)
    b[start + info.compress_size // 2] ^= 0x55
    return bytes(b)


def read_error(data: bytes) -> workbook.WorkbookError:
    """The WorkbookError reading ``data`` raises (any other exception fails the test, named)."""
    try:
        workbook.read_workbook(data)
    except workbook.WorkbookError as err:
        return err
    except Exception as err:  # noqa: BLE001 - the point: nothing else may escape
        pytest.fail(f"escaped: {type(err).__name__}: {str(err)[:200]}")
    pytest.fail("accepted")


def assert_import_refused(tmp_path: Path, data: bytes, *names: str) -> None:
    """``finmodel import bad.xlsx --out out.toml``: one clean refusal per problem, nothing written."""
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(data)
    assert_refused(invoke(["import", str(bad), "--out", str(tmp_path / "out.toml")]), *names, lines=None)
    assert listing(tmp_path) == {"bad.xlsx"}


def test_inputs_sheet_is_the_member_edited_here(seed_xlsx: bytes) -> None:
    """The harness: ``xl/worksheets/sheet2.xml`` is the Inputs sheet (workbook.xml → its rels)."""
    z = zipfile.ZipFile(io.BytesIO(seed_xlsx))
    (rid,) = re.findall(r'<sheet name="Inputs"[^>]*r:id="(\w+)"', z.read("xl/workbook.xml").decode("utf-8"))
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    targets = {}
    for rel in re.findall(r"<Relationship [^>]*>", rels):
        rid_m, target_m = re.search(r'Id="(\w+)"', rel), re.search(r'Target="([^"]+)"', rel)
        assert rid_m and target_m, rel
        targets[rid_m[1]] = target_m[1]
    assert targets[rid].lstrip("/").removeprefix("xl/") == INPUTS_XML.removeprefix("xl/"), targets
    assert f'<c r="{cell_of(seed_xlsx, "heavy.occupancy")}"' in z.read(INPUTS_XML).decode("utf-8")


def test_shared_string_index_out_of_range_names_the_cell(tmp_path: Path, seed_xlsx: bytes) -> None:
    """Workbook import: a shared-string cell ``t="s"`` with index 99999 in heavy.occupancy's cell."""
    data, cell = with_cell_xml(seed_xlsx, "heavy.occupancy", '<c r="{ref}" t="s"><v>99999</v></c>')
    err = read_error(data)
    assert cell in str(err) and "heavy.occupancy" in str(err), str(err)
    assert_import_refused(tmp_path, data, cell)


MALFORMED = {
    "truncated": lambda d: rezip(d, INPUTS_XML, lambda b: b[: len(b) // 2]),
    "mismatched-tag": lambda d: rezip(d, INPUTS_XML, lambda b: b.replace(b"</sheetData>", b"</sheetDat>")),
    "crc-corrupt": crc_corrupt,
    "deflate-corrupt": deflate_corrupt,
}


@pytest.mark.parametrize("kind", list(MALFORMED))
def test_malformed_or_corrupt_inputs_sheet_is_refused_in_one_line(tmp_path: Path, seed_xlsx: bytes,
                                                                  kind: str) -> None:
    """Workbook import: a malformed (truncated, mismatched tag) or CRC-corrupt Inputs sheet."""
    data = MALFORMED[kind](seed_xlsx)
    err = read_error(data)
    assert "\n" not in str(err) and len(str(err)) <= MAX_LINE, str(err)
    assert_import_refused(tmp_path, data)


@pytest.mark.parametrize(("path", "xml"), [
    ("heavy.occupancy", '<c r="{ref}" t="n"><v>NaN</v></c>'),
    ("heavy.servers", '<c r="{ref}" t="n"><v>NaN</v></c>'),
    ("heavy.occupancy", '<c r="{ref}" t="n"><v>INF</v></c>'),
    ("heavy.occupancy", '<c r="{ref}" t="n"><v>abc</v></c>'),
    ("heavy.servers", '<c r="{ref}"><v>seven</v></c>'),
], ids=["NaN-float", "NaN-int", "INF", "text-typed-n", "text-untyped"])
def test_nan_or_text_in_a_numeric_cell_names_cell_and_field(tmp_path: Path, seed_xlsx: bytes, path: str,
                                                            xml: str) -> None:
    """Workbook import: ``NaN`` or text stored as a number in a numeric input cell."""
    data, cell = with_cell_xml(seed_xlsx, path, xml)
    err = read_error(data)
    assert cell in str(err) and path in str(err), str(err)
    assert_import_refused(tmp_path, data, cell, path)


ENTITIES = {
    "xxe-in-inputs": (INPUTS_XML, b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'),
    "entity-in-inputs": (INPUTS_XML, b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'),
    "xxe-in-workbook": ("xl/workbook.xml", b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM '
                        b'"file:///etc/passwd">]>'),
}


@pytest.mark.parametrize("kind", list(ENTITIES))
def test_xml_entity_or_xxe_file_is_refused_in_one_line(tmp_path: Path, seed_xlsx: bytes, kind: str) -> None:
    """Workbook import: a DTD declaring entities (XXE to /etc/passwd, an entity chain)."""
    member, doctype = ENTITIES[kind]
    data = rezip(seed_xlsx, member, lambda b: doctype + re.sub(rb"^<\?xml[^>]*\?>", b"", b))
    err = read_error(data)
    assert "\n" not in str(err), str(err)
    assert "root:" not in str(err)  # nothing of /etc/passwd
    assert_import_refused(tmp_path, data)
