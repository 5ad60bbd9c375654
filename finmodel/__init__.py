"""finmodel: the economics of renting out AI compute (GPU leasing, 算力租赁).

Money is CNY (元) throughout the package; rates are fractions; time is months unless a name says
otherwise. Start with :func:`finmodel.load` and :func:`finmodel.evaluate`.

The names below are imported when first used (PEP 562), so ``import finmodel.schema`` or the
command line's ``--help`` does not load the engine and pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {"Result": "finmodel.model", "evaluate": "finmodel.model", "evaluate_batch": "finmodel.model",
         "Scenario": "finmodel.schema", "ScenarioError": "finmodel.schema", "load": "finmodel.schema",
         "parse_toml": "finmodel.schema", "save": "finmodel.schema", "validate": "finmodel.schema"}
__all__ = ["Scenario", "ScenarioError", "Result", "evaluate", "evaluate_batch", "load", "parse_toml", "save",
           "validate", "__version__"]

if TYPE_CHECKING:
    from finmodel.model import Result, evaluate, evaluate_batch
    from finmodel.schema import Scenario, ScenarioError, load, parse_toml, save, validate


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'finmodel' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
