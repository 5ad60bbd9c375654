"""TOML input files of any schema: the guarded read, parsing, ``{value, source}`` tables and writing.

Every value in an input file may be written bare or as ``{ value = ..., source = "..." }``;
:func:`split_sources` unwraps a table of them and :func:`source_table` writes one back, so a file
round-trips with its sources.

Parsing is guarded against deep nesting: ``tomllib`` recurses once per level of arrays and inline
tables (a few hundred levels raise ``RecursionError``), and code that walks the parsed data
(validation, ``tomli_w``) recurses too. :func:`parse_toml_text` refuses a text nested deeper than
:data:`MAX_TOML_NESTING` levels before parsing it (a linear scan of brackets and braces outside
strings and comments), and parsed data deeper than that (deep table headers or dotted keys).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from typing import Any

from finmodel.schema.errors import MISSING, Problem, ScenarioError, clip
from finmodel.schema.files import MAX_FILE_BYTES, UnreadableFile, read_file_bytes, read_text_file

#: Deepest nesting of tables and arrays accepted in an input file. A scenario needs 3 (``[heavy]``
#: holding ``x = { value = …, source = … }``); a distributions file with a correlation list 3.
MAX_TOML_NESTING = 32
VALUE_TABLE = "a value table takes `value` and optionally `source`"


def read_input(path: str | os.PathLike[str], error: type[ScenarioError] = ScenarioError,
               max_bytes: int = MAX_FILE_BYTES) -> str:
    """The text of an input file (at most ``max_bytes``, UTF-8, regular files only), or ``error``
    with one problem on ``file``."""
    try:
        return read_text_file(path, max_bytes)
    except UnreadableFile as err:
        raise error([Problem("file", MISSING, err.message)], str(path)) from None


def read_input_bytes(path: str | os.PathLike[str], error: type[ScenarioError] = ScenarioError,
                     max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of any input file (a workbook ...) through the same guard as :func:`read_input`."""
    try:
        return read_file_bytes(path, max_bytes)
    except UnreadableFile as err:
        raise error([Problem("file", MISSING, err.message)], str(path)) from None


def too_deep(limit: int = MAX_TOML_NESTING) -> str:
    """The one wording of a file nested too deeply."""
    return f"nested more than {limit} levels deep (tables, arrays or inline tables); allowed: ≤ {limit} levels"


def parse_toml_text(text: str, origin: str = "", error: type[ScenarioError] = ScenarioError) -> dict[str, Any]:
    """The data of a TOML text, or ``error`` naming the broken line or the nesting limit."""
    if toml_nesting(text) > MAX_TOML_NESTING:
        raise error([Problem("file", MISSING, too_deep())], origin)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise error([Problem("file", MISSING, f"broken TOML: {clip(err)}")], origin) from None
    except RecursionError:  # pragma: no cover - nesting the scan did not see
        raise error([Problem("file", MISSING, too_deep())], origin) from None
    if data_depth(data) > MAX_TOML_NESTING:
        raise error([Problem("file", MISSING, too_deep())], origin)
    return data


def toml_nesting(text: str, limit: int = MAX_TOML_NESTING) -> int:
    """How deeply arrays and inline tables nest in TOML ``text`` (``[`` and ``{`` outside strings
    and comments), counted up to the first level beyond ``limit``: a linear scan that lets a
    too-deep file be refused before ``tomllib`` recurses into it. An unterminated string ends the
    scan (the parser refuses that file anyway).

    >>> toml_nesting("x = [[1], {a = '[[['}]  # ]]]")
    2
    """
    depth = deepest = i = 0
    while deepest <= limit and (m := _TOML_NEXT.search(text, i)):
        tok, i = m.group(), m.end()
        if tok in _TOML_SKIP:  # a string or a comment: jump past it
            end = _TOML_SKIP[tok].match(text, i)
            i = end.end() if end else len(text)
        elif tok in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
    return deepest


#: The tokens the nesting scan stops at, and how to skip each string or comment from just after
#: its opening (possessive quantifiers: no backtracking, so the scan stays linear).
_TOML_NEXT = re.compile(r'"{3}|\'{3}|["\'#\[\]{}]')
_TOML_SKIP = {
    '"""': re.compile(r'(?:[^"\\]|\\.|"(?!""))*+"{3,5}', re.DOTALL),
    "'''": re.compile(r"(?:[^']|'(?!''))*+'{3,5}"),
    '"': re.compile(r'(?:[^"\\\n]|\\.)*+"?'),
    "'": re.compile(r"[^'\n]*+'?"),
    "#": re.compile(r"[^\n]*+"),
}


def data_depth(data: Any) -> int:
    """Levels of tables and arrays in parsed data (iterative: any depth is safe to measure).

    >>> data_depth({"a": {"b": [1, {"c": 2}]}})
    4
    """
    deepest, stack = 0, [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, Mapping):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth + 1)
        stack.extend((c, depth + 1) for c in children)
    return deepest


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
        extra = [str(k) for k in val if k not in ("value", "source")]
        if extra or "value" not in val:
            what = (f"unknown key{'s' if len(extra) > 1 else ''} {', '.join(repr(clip(k, 40)) for k in extra[:3])}"
                    + (" …" if len(extra) > 3 else "") + " in a value table" if extra else "no `value` in the table")
            bad.append((key, val, f"{what}: {VALUE_TABLE}"))
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
