"""The validated, frozen scenario and the load/save of scenario files.

The three sections are declared in :mod:`finmodel.schema.sections`; here they are put together into
one :class:`Scenario`, their declarations are read into :data:`FIELDS`, and plain data, TOML text and
files become scenarios (one-line problems naming field, value and allowed range otherwise).

A scenario file is TOML::

    name = "My case"
    [general]
    horizon_months = 60
    [heavy]
    price_cny_per_card_hour = { value = 22.5, source = "180元/台/小时 ÷ 8 (002:1518)" }
    [light]
    buy_price_cny_per_p_year = 200000

Each value may be written bare or as ``{ value = ..., source = "..." }``.
"""

from __future__ import annotations

import os
import weakref
from typing import TYPE_CHECKING, Any

from pydantic import Field, ValidationError

from finmodel.schema import deal_revenue
from finmodel.schema.deal_debt import Financing, cross_problems
from finmodel.schema.deal_revenue import DealRevenueSections
from finmodel.schema.deal_tax import Escalation, Fx, Subsidy, Tax
from finmodel.schema.errors import MISSING, Issue, Problem, ScenarioError, did_you_mean, issues
from finmodel.schema.fields import FieldSpec, field_specs, find_spec
from finmodel.schema.files import atomic_write_bytes
from finmodel.schema.sections import GPU_KEYS, General, Heavy, Light, ScenarioChecks, _Section
from finmodel.schema.tomlio import dump_toml, parse_toml_text, read_input, source_table, split_sources

if TYPE_CHECKING:  # numpy loads with the numbers (to_params), not to read and check a file
    import numpy as np

__all__ = ["FIELDS", "GPU_KEYS", "NUMERIC_FIELDS", "SECTIONS", "General", "Heavy", "Light", "Financing", "Scenario",
           "choice_code", "default", "field_spec", "load", "parse_toml", "save", "to_params", "to_toml", "validate"]


class Scenario(ScenarioChecks, DealRevenueSections):
    """One complete, validated scenario. Frozen: build variants with :meth:`replace`."""

    name: str = Field("Unnamed scenario", min_length=1, max_length=120)
    description: str = Field("", max_length=4000)
    general: General
    heavy: Heavy
    light: Light
    tax: Tax = Field(default_factory=Tax)  # issue 12 deal sections: optional, defaults change nothing
    subsidy: Subsidy = Field(default_factory=Subsidy)
    escalation: Escalation = Field(default_factory=Escalation)
    fx: Fx = Field(default_factory=Fx)
    financing: Financing = Field(default_factory=Financing)  # issue 12's debt terms (defaults: the model before)
    sources: dict[str, str] = Field(default_factory=dict)

    def get(self, path: str) -> Any:
        """Value of a dotted field path such as ``heavy.occupancy``."""
        spec = field_spec(path)
        return getattr(getattr(self, spec.section), spec.name)

    def replace(self, changes: dict[str, Any], *, strict: bool = False) -> Scenario:
        """A new validated scenario with some fields changed (dotted paths)."""
        import numpy as np

        data = self.to_dict()
        for path, value in changes.items():
            spec = field_spec(path)
            if isinstance(value, np.generic):
                value = value.item()
            data[spec.section][spec.name] = value
        return validate(data, strict=strict)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="python")


SECTIONS: dict[str, type[_Section]] = {"general": General, "heavy": Heavy, "light": Light, "financing": Financing,
                                       **deal_revenue.SECTIONS, "tax": Tax, "subsidy": Subsidy,
                                       "escalation": Escalation, "fx": Fx}
#: Every scenario input by dotted path (``heavy.occupancy``), in declaration order.
FIELDS: dict[str, FieldSpec] = {p: s for section, m in SECTIONS.items() for p, s in field_specs(m, section).items()}
NUMERIC_FIELDS: tuple[str, ...] = tuple(p for p, s in FIELDS.items() if s.numeric)


def field_spec(path: str) -> FieldSpec:
    """The declaration of a dotted field path; a clear error with close matches otherwise."""
    return find_spec(FIELDS, path, otherwise="; see `finmodel fields`")


def _problem(i: Issue) -> Problem:
    """One scenario problem: the toolkit's words, with the scenario's own for sections and GPUs."""
    if i.code == "missing" and i.path in SECTIONS:
        return Problem(i.path, MISSING, f"missing section [{i.path}]: a scenario needs [general], [heavy] and "
                       "[light] (fields may be omitted for defaults)")
    if i.code == "value_error" and "unknown GPU" in i.message:
        return Problem(f"{i.loc[0]}.gpu", MISSING, f"{i.message}; allowed: {', '.join(GPU_KEYS)}")
    return Problem(i.path or "scenario", i.value, i.message)


# --------------------------------------------------------------------------- building scenarios
def _split_sources(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str], list[Problem]]:
    """Unwrap ``{value=..., source=...}`` tables of every section; collect sources per dotted path."""
    sources: dict[str, str] = {}
    problems: list[Problem] = []
    out: dict[str, Any] = {}
    for key, val in data.items():
        if key in SECTIONS and isinstance(val, dict):
            out[key], found, bad = split_sources(val)
            sources.update({f"{key}.{name}": src for name, src in found.items()})
            problems += [Problem(f"{key}.{name}", v, why) for name, v, why in bad]
        else:
            out[key] = val
    if isinstance(out.get("sources"), dict):
        given = out.pop("sources")
        problems += [Problem(f"sources.{key!r}", MISSING, "unknown field (a typo?): [sources] gives the source of a "
                             f"scenario input{did_you_mean(str(key), FIELDS) or ' (see `finmodel fields`)'}")
                     for key in given if key not in FIELDS]
        sources = {**given, **sources}
    return out, sources, problems


def validate(data: dict[str, Any], *, strict: bool = True, origin: str = "") -> Scenario:
    """Build a :class:`Scenario` from plain data, or raise :class:`ScenarioError`.

    ``strict=True`` (files) refuses strings for numbers; ``strict=False`` (query strings, forms)
    converts them. NaN and infinity are refused either way."""
    if not isinstance(data, dict):
        raise ScenarioError([Problem("scenario", data, "expected a table")], origin)
    clean, sources, problems = _split_sources(data)
    if problems:
        raise ScenarioError(problems, origin)
    clean.setdefault("sources", sources)
    try:
        s = Scenario.model_validate(clean, strict=strict)
    except ValidationError as err:
        raise ScenarioError([_problem(i) for i in issues(err, Scenario, FIELDS)], origin) from None
    across = [*cross_problems(s.heavy, s.financing), *(Problem(*p) for p in deal_revenue.problems(s))]
    if across:
        raise ScenarioError(across, origin)
    return s


def parse_toml(text: str, origin: str = "") -> Scenario:
    """Parse and validate the text of a scenario file."""
    if not text.strip():
        raise ScenarioError([Problem("file", MISSING, "empty file: a scenario needs [general], "
                                     "[heavy] and [light] sections")], origin)
    return validate(parse_toml_text(text, origin), strict=True, origin=origin)


def load(path: str | os.PathLike[str]) -> Scenario:
    """Load and validate a scenario file (TOML, at most 1 MB, UTF-8)."""
    return parse_toml(read_input(path), str(path))


def to_toml(s: Scenario) -> str:
    """TOML text of a scenario; values with a source are written as ``{value, source}``."""
    doc: dict[str, Any] = {"name": s.name}
    if s.description:
        doc["description"] = s.description
    for section in SECTIONS:
        # JSON mode: a month is written 'YYYY-MM' (a Python dump keeps the Month number)
        doc[section] = source_table(getattr(s, section).model_dump(mode="json"), s.sources, prefix=f"{section}.")
    return dump_toml(doc)


def save(s: Scenario, path: str | os.PathLike[str], *, exclusive: bool = False) -> None:
    """Write a scenario file atomically; with ``exclusive=True`` only if no file has that name
    (``FileExistsError`` otherwise, also when another writer creates it at the same moment)."""
    atomic_write_bytes(path, to_toml(s).encode("utf-8"), exclusive=exclusive)


def default() -> Scenario:
    """The schema defaults: the seed's reference case (002:1504-1548)."""
    return validate({"general": {}, "heavy": {}, "light": {}})


# --------------------------------------------------------------------------- to numbers
def to_params(s: Scenario) -> dict[str, np.ndarray]:
    """Numeric view of a scenario for the vectorised engine, keyed by dotted path.

    Choices become their index in the declared options; unset optionals become NaN; a list (the
    price index) becomes one input per item, ``market.price_index.1`` … ``.K`` (K =
    :data:`~finmodel.schema.deal_revenue.MAX_PRICE_INDEX_YEARS`), its last value repeated (NaN when
    empty); the engine reads them back as one row (``NumpyContext.x``)."""
    hit = _PARAMS.get(id(s))
    if hit is not None and hit[0]() is s:  # a frozen scenario's numbers never change: computed once
        return dict(hit[1])
    cached = _params(s)
    for a in cached.values():
        a.setflags(write=False)  # shared by every call: read-only, so no caller can change another's
    key = id(s)
    _PARAMS[key] = (weakref.ref(s, lambda _ref: _PARAMS.pop(key, None)), cached)
    return dict(cached)


#: to_params' cache, by scenario identity (a weak reference: it goes with the scenario). Not a
#: private attribute of the model, which would make equal scenarios compare unequal.
_PARAMS: dict[int, tuple[weakref.ref[Scenario], dict[str, np.ndarray]]] = {}


def _params(s: Scenario) -> dict[str, np.ndarray]:
    """The numbers of :func:`to_params`, computed once per scenario."""
    import numpy as np

    out: dict[str, np.ndarray] = {}
    for path, spec in FIELDS.items():
        v = getattr(getattr(s, spec.section), spec.name)
        if spec.kind == "choice":
            out[path] = np.asarray(np.nan if v is None else float(spec.choices.index(v)))
        elif spec.kind == "str":
            continue
        elif spec.kind == "list":
            out.update({f"{path}.{k}": np.asarray(x) for k, x in enumerate(deal_revenue.padded(v), start=1)})
        else:
            out[path] = np.asarray(np.nan if v is None else float(v))
    return out


def choice_code(path: str, option: str) -> float:
    """Numeric code of a choice option (its index in the declaration)."""
    spec = FIELDS[path]
    return float(spec.choices.index(option))
