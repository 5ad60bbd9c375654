"""Problems with input, worded for people: one line per bad field naming the value and the allowed range."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


class UnknownFieldError(KeyError):
    """A dotted path that names no scenario field."""

    def __str__(self) -> str:
        return self.args[0]



@dataclass(frozen=True)
class Problem:
    field: str
    value: Any
    message: str

    def __str__(self) -> str:
        shown = "" if self.value is MISSING else f" = {_show(self.value)}"
        return f"{self.field}{shown}: {self.message}"


MISSING = object()


def _show(v: Any) -> str:
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    if isinstance(v, str):
        return repr(v if len(v) < 60 else v[:57] + "...")
    if isinstance(v, dict):
        return "a table"
    return repr(v)


class ScenarioError(ValueError):
    """Invalid scenario input. ``problems`` has one entry per bad field."""

    def __init__(self, problems: list[Problem], origin: str = ""):
        self.problems = problems
        self.origin = origin
        head = f"{origin}: " if origin else ""
        super().__init__(head + "; ".join(str(p) for p in problems))

    def lines(self) -> list[str]:
        head = f"{self.origin}: " if self.origin else ""
        return [head + str(p) for p in self.problems]

