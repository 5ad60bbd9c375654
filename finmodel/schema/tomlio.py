"""TOML input files of any schema: the guarded read, parsing, ``{value, source}`` tables and writing.

Every value in an input file may be written bare or as ``{ value = ..., source = "..." }``;
:func:`split_sources` unwraps a table of them and :func:`source_table` writes one back, so a file
round-trips with its sources.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from typing import Any

from finmodel.schema.errors import MISSING, Problem, ScenarioError
from finmodel.schema.files import MAX_FILE_BYTES, UnreadableFile, read_text_file

VALUE_TABLE = "a value table needs exactly `value` and optionally `source`"


def read_input(path: str | os.PathLike[str], error: type[ScenarioError] = ScenarioError,
               max_bytes: int = MAX_FILE_BYTES) -> str:
    """The text of an input file (at most ``max_bytes``, UTF-8), or ``error`` with one problem on ``file``."""
    try:
        return read_text_file(path, max_bytes)
    except UnreadableFile as err:
        value = MISSING if err.value is None else err.value
        raise error([Problem("file", value, err.message)], str(path)) from None


def parse_toml_text(text: str, origin: str = "", error: type[ScenarioError] = ScenarioError) -> dict[str, Any]:
    """The data of a TOML text, or ``error`` naming the broken line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise error([Problem("file", MISSING, f"broken TOML: {err}")], origin) from None


def split_sources(table: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str], list[tuple[str, Any, str]]]:
    """Unwrap the ``{value, source}`` tables among the values of ``table``.

    Returns the bare values, the sources by key, and one ``(key, bad value, message)`` per value
    table of the wrong shape (key ``name.source`` when the source is not text)."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    bad: list[tuple[str, Any, str]] = []
    for key, val in table.items():
        if not isinstance(val, Mapping):
            values[key] = val
            continue
        if set(val) - {"value", "source"} or "value" not in val:
            bad.append((key, val, VALUE_TABLE))
            continue
        if "source" in val:
            if isinstance(val["source"], str):
                sources[key] = val["source"]
            else:
                bad.append((f"{key}.source", val["source"], "must be text"))
        values[key] = val["value"]
    return values, sources, bad


def source_table(values: Mapping[str, Any], sources: Mapping[str, str], prefix: str = "") -> dict[str, Any]:
    """The inverse of :func:`split_sources`: unset values (None) left out, a value with a source
    (looked up as ``prefix + key``) written as ``{value, source}``."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        src = sources.get(f"{prefix}{key}")
        out[key] = {"value": value, "source": src} if src else value
    return out


def dump_toml(doc: Mapping[str, Any]) -> str:
    """TOML text of a document (``tomli_w``, imported when first needed)."""
    import tomli_w

    return tomli_w.dumps(doc)
