"""Problems with input, worded for people: one line per bad field naming the value and the allowed range.

:func:`issues` translates a pydantic ``ValidationError`` of any schema declared with
:func:`~finmodel.schema.fields.fld` into :class:`Issue`\\ s (where, the value, a code, the message with
the allowed range, did-you-mean for unknown keys); each schema turns them into its :class:`Problem`\\ s.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
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


@dataclass(frozen=True)
class Problem:
    field: str
    value: Any
    message: str

    def __str__(self) -> str:
        shown = "" if self.value is MISSING else f" = {_show(self.value)}"
        return f"{self.field}{shown}: {self.message}"


def _show(v: Any) -> str:
    if isinstance(v, str):
        return repr(v if len(v) < 60 else v[:57] + "...")
    if isinstance(v, Mapping):
        return "a table"
    return repr(v)


class ScenarioError(ValueError):
    """Invalid input. ``problems`` has one entry per bad field."""

    def __init__(self, problems: list[Problem], origin: str = ""):
        self.problems = problems
        self.origin = origin
        head = f"{origin}: " if origin else ""
        super().__init__(head + "; ".join(str(p) for p in problems))

    def lines(self) -> list[str]:
        head = f"{self.origin}: " if self.origin else ""
        return [head + str(p) for p in self.problems]


def did_you_mean(word: str, pool: Iterable[str]) -> str:
    """``"; did you mean a or b?"`` for the close matches of ``word`` in ``pool``, else ``""``."""
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
