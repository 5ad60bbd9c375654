"""The two models' line items by name: which keys exist, what kind they are, their declarations.

A leaf of the model layer (it imports only the item lists), so that the result-name registry
(:mod:`finmodel.model.results`) and the evaluators (:mod:`finmodel.model.run`) can both use it.
"""

from __future__ import annotations

from finmodel.model import engine, heavy, light

MODELS: dict[str, list[engine.Item]] = {"heavy": heavy.ALL, "light": light.ALL}


def scalar_keys(model: str) -> list[str]:
    """Result keys with one number per scenario."""
    return [i.key for i in MODELS[model] if i.kind == "scalar"]


def row_keys(model: str, *, include_helpers: bool = True) -> list[str]:
    """Result keys that are monthly rows."""
    return [i.key for i in MODELS[model] if i.kind == "row" and (include_helpers or not i.helper)]


def item(model: str, key: str) -> engine.Item:
    """The declaration (labels, unit, format) of a result key."""
    return next(i for i in MODELS[model] if i.key == key)


def result_item(path: str) -> engine.Item:
    """The declaration of a ``model.key`` result path such as ``heavy.payback_months``."""
    name, sep, key = path.partition(".")
    if name not in MODELS or not sep or not key:
        raise KeyError(f"unknown result {path!r}: use heavy.<key> or light.<key>")
    try:
        return item(name, key)
    except StopIteration:
        raise KeyError(f"unknown result {path!r}") from None
