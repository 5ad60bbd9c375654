"""A scenario as URL query parameters, and back — changed inputs only, validated by the schema.

``?s=h800_training_cluster&heavy.price_cny_per_card_hour=25.0&lang=en`` means: load that scenario
file, set the price to 25, show English. ``s`` is omitted for the default scenario; an input is
listed only when it differs from the file. Values are written so that they read back exactly
(``repr`` of floats). Links are user input: every value goes through
:func:`finmodel.schema.validate` and bad ones are reported and ignored, never raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from finmodel import schema
from finmodel.schema import FIELDS, Scenario, ScenarioError
from finmodel.ui import i18n, inputs
from finmodel.ui.files import DEFAULT_ID

SCENARIO_KEY = "s"
LANG_KEY = "lang"
RESERVED = (SCENARIO_KEY, LANG_KEY)


def to_text(path: str, value: Any) -> str:
    """One input value as URL text that parses back to the same value."""
    spec = FIELDS[path]
    if value is None:
        return ""
    if spec.kind == "float":
        return repr(float(value))
    if spec.kind == "int":
        return str(int(value))
    if spec.kind == "list":
        return inputs.list_text(value)
    return str(value)


def changed_inputs(scenario: Scenario, reference: Scenario) -> dict[str, Any]:
    """Inputs of ``scenario`` that differ from ``reference`` (dotted path → value)."""
    return {p: scenario.get(p) for p in FIELDS if scenario.get(p) != reference.get(p)}


def encode(scenario: Scenario, reference: Scenario, ref_id: str = DEFAULT_ID,
           lang: str | None = None) -> dict[str, str]:
    """Query parameters that rebuild ``scenario`` from the file ``ref_id`` (whose content is
    ``reference``)."""
    out: dict[str, str] = {}
    if ref_id != DEFAULT_ID:
        out[SCENARIO_KEY] = ref_id
    out.update({p: to_text(p, v) for p, v in changed_inputs(scenario, reference).items()})
    if lang:
        out[LANG_KEY] = lang
    return out


def _value(path: str, text: str) -> Any:
    spec = FIELDS[path]
    if spec.kind == "list":
        return inputs.parse_list(text)
    if text == "" and spec.optional:
        return None
    return text


def decode(params: Mapping[str, Any], reference: Scenario, lang: str = i18n.DEFAULT_LANG,
           ) -> tuple[Scenario, list[str]]:
    """Apply link parameters to ``reference``. Returns the scenario and readable problems (field,
    bad value, allowed range) for parameters that were ignored, in ``lang``.

    The problems quote the link's own text (keys and values): plain text, to be shown through
    :func:`finmodel.ui.safe.literal`, never as markdown."""
    problems: list[str] = []
    changes: dict[str, Any] = {}
    for key, raw in params.items():
        if key in RESERVED:
            continue
        text = raw[-1] if isinstance(raw, list | tuple) else raw
        if key not in FIELDS:
            if "." in key:
                problems.append(i18n.t("link_unknown", lang, param=key))
            continue
        changes[key] = _value(key, str(text))
    while changes:
        try:
            return reference.replace(changes, strict=False), problems
        except ScenarioError as err:
            bad = {p.field for p in err.problems}
            # a field's own problem names the field; a cross-field rule names its section
            named = {k for k in changes if k in bad or FIELDS[k].section in bad}
            problems += [str(p) for p in err.problems]
            if not named:
                return reference, problems
            changes = {k: v for k, v in changes.items() if k not in named}
    return reference, problems


def reference_for(ref_id: str) -> Scenario:
    """The scenario a link's changes apply to (the default preset, or schema defaults if missing)."""
    from finmodel.ui import files

    try:
        return files.load(ref_id)
    except (files.FileProblem, ScenarioError):
        return schema.default()
