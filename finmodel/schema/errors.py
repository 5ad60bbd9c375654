"""Problems with input, worded for people: one line per bad field naming the value and the allowed range.

:func:`issues` translates a pydantic ``ValidationError`` of any schema declared with
:func:`~finmodel.schema.fields.fld` into :class:`Issue`\\ s (where, the value, a code, the message with
the allowed range, did-you-mean for unknown keys); each schema turns them into its :class:`Problem`\\ s.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sized
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from pydantic_core.core_schema import ErrorType

if TYPE_CHECKING:
    from finmodel.schema.fields import FieldSpec


class UnknownFieldError(KeyError):
    """A dotted path that names no declared field."""

    def __str__(self) -> str:
        return self.args[0]


class _Missing:
    def __repr__(self) -> str:
        return "(none)"


#: The value of a problem that has none to show (a missing field, an unreadable file).
MISSING: Any = _Missing()


#: Longest field path, shown value and message of a :class:`Problem` [characters]: with ``error: ``
#: and a file name a problem stays one readable line of about 300 characters.
MAX_FIELD_CHARS, MAX_VALUE_CHARS, MAX_MESSAGE_CHARS = 60, 60, 240

#: Characters that would break a one-line message on a terminal or fake one: C0/C1 controls
#: (newline, carriage return, escape ...), Unicode line and paragraph separators and the
#: bidirectional overrides.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def one_line(text: object) -> str:
    """``text`` with every control character written as its escape (``\\n``, ``\\x1b``): nothing a
    user typed can start a new line, overwrite one or recolour the terminal.

    >>> one_line("bad\\nerror: fine")
    'bad\\\\nerror: fine'
    """
    return _UNSAFE.sub(lambda m: repr(m.group())[1:-1], str(text))


def clip(text: object, limit: int = MAX_MESSAGE_CHARS, *, keep_end: int = 0) -> str:
    """:func:`one_line` of ``text``, cut to at most ``limit`` characters with ``…`` and the full
    length; ``keep_end`` characters of the end are kept (where a message states the allowed range).

    >>> clip("k" * 1000, 30)
    'kkkkkkkkkk… (1,000 characters)'
    """
    s = one_line(text)
    if len(s) <= limit:
        return s
    note = f"… ({len(s):,} characters)"
    head = max(limit - len(note) - keep_end, 1)
    return s[:head] + note + (s[-keep_end:] if keep_end else "")


@dataclass(frozen=True)
class Problem:
    field: str
    value: Any
    message: str

    def __str__(self) -> str:
        shown = "" if self.value is MISSING else f" = {show_value(self.value)}"
        return f"{clip(self.field, MAX_FIELD_CHARS, keep_end=20)}{shown}: {clip(self.message, keep_end=150)}"


def show_value(v: Any, limit: int = MAX_VALUE_CHARS) -> str:
    """A value as a problem quotes it: ``repr`` cut to ``limit`` characters (with the number of
    items of a long list), a table as ``a table``.

    >>> show_value(list(range(100_000)))
    '[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, … (100,000 items)'
    """
    if isinstance(v, Mapping):
        return "a table"
    if isinstance(v, str):
        return repr(v if len(v) <= limit else v[: limit - 3] + "...")
    text = one_line(repr(v))
    if len(text) <= limit:
        return text
    items = f" ({len(v):,} items)" if isinstance(v, Sized) else ""
    return text[: max(limit - 2 - len(items), 1)] + " …" + items


class ScenarioError(ValueError):
    """Invalid input. ``problems`` has one entry per bad field."""

    def __init__(self, problems: list[Problem], origin: str = ""):
        self.problems = problems
        self.origin = origin
        super().__init__(self._head() + "; ".join(str(p) for p in problems))

    def _head(self) -> str:
        return f"{one_line(self.origin)}: " if self.origin else ""

    def lines(self) -> list[str]:
        """One line per problem, each starting with the origin (the file): never a line break."""
        return [self._head() + str(p) for p in self.problems]


def did_you_mean(word: str, pool: Iterable[str]) -> str:
    """``"; did you mean a or b?"`` for the close matches of ``word`` in ``pool``, else ``""``."""
    if len(word) > 200:  # nothing in a pool is that long; difflib is quadratic in the worst case
        return ""
    close = difflib.get_close_matches(word, list(pool), n=2, cutoff=0.6)
    return f"; did you mean {' or '.join(close)}?" if close else ""


# --------------------------------------------------------------------------- pydantic errors in words
@dataclass(frozen=True)
class Issue:
    """One validation error in words.

    ``code`` is unknown, missing, wrong_type, not_allowed, out_of_range, value_error (a model
    validator's ``ValueError``) or the type of a validator's own ``PydanticCustomError`` (then
    ``ctx`` holds its context). ``message`` ends with ``; allowed: <range>`` for a declared field."""

    loc: tuple[str, ...]
    value: Any
    code: str
    message: str
    spec: FieldSpec | None = None
    ctx: Mapping[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return ".".join(self.loc)


_PYDANTIC_TYPES = frozenset(get_args(ErrorType))


def issues(err: ValidationError, model: type[BaseModel], fields: Mapping[str, FieldSpec]) -> list[Issue]:
    """Translate the errors of validating ``model`` (whose declared fields are ``fields``, keyed by
    dotted path) into :class:`Issue`\\ s."""
    return [_issue(e, model, fields) for e in err.errors()]


def _issue(e: ErrorDetails, model: type[BaseModel], fields: Mapping[str, FieldSpec]) -> Issue:
    loc = tuple(str(x) for x in e["loc"])
    path, value, typ, msg = ".".join(loc), e.get("input", MISSING), e["type"], str(e.get("msg", ""))
    spec = fields.get(path)
    if typ == "extra_forbidden":
        pool = [".".join((*loc[:-1], k)) for k in _keys_at(model, loc[:-1])]
        return Issue(loc, value, "unknown", f"unknown field (a typo?){did_you_mean(path, pool)}")
    if spec is None:
        code, why = _why_undeclared(typ, msg)
        return Issue(loc, MISSING if code in ("missing", "value_error") else value, code, why, None, e.get("ctx", {}))
    code, why = _why(typ, value, msg)
    return Issue(loc, MISSING if code == "missing" else value, code, f"{why}; allowed: {spec.range_text()}", spec,
                 e.get("ctx", {}))


def _why(typ: str, value: Any, msg: str) -> tuple[str, str]:
    """Code and words for an error on a declared field."""
    if typ == "missing":
        return "missing", "missing required value"
    if typ == "finite_number":
        return "out_of_range", "must be a finite number"
    if typ == "literal_error":
        return "not_allowed", "not an allowed choice"
    if typ.endswith(("_type", "_parsing", "_from_float")):
        return "wrong_type", f"wrong type ({type(value).__name__})"
    if typ not in _PYDANTIC_TYPES:
        return typ, msg  # a validator's own error: its words
    return "out_of_range", "out of range"


def _why_undeclared(typ: str, msg: str) -> tuple[str, str]:
    """Code and words for an error on a table or the whole model (no declaration of its own)."""
    if typ == "missing":
        return "missing", "missing required value"
    if typ == "value_error":
        return "value_error", msg.removeprefix("Value error, ")
    if typ in ("model_type", "dict_type"):
        return "wrong_type", "expected a table of fields"
    return typ, msg


def _keys_at(model: type[BaseModel], loc: tuple[str, ...]) -> list[str]:
    """The field names of the (sub)model at ``loc``: where an unknown key could have been meant."""
    for part in loc:
        info = model.model_fields.get(part)
        sub = info.annotation if info is not None else None
        if not (isinstance(sub, type) and issubclass(sub, BaseModel)):
            return []
        model = sub
    return list(model.model_fields)
