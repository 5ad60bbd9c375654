"""finmodel: the economics of renting out AI compute (GPU leasing, 算力租赁).

Money is CNY (元) throughout the package; rates are fractions; time is months unless a name says
otherwise. Start with :func:`finmodel.load` and :func:`finmodel.evaluate`.
"""

from finmodel.model import Result, evaluate, evaluate_batch
from finmodel.schema import Scenario, ScenarioError, load, parse_toml, save, validate

__version__ = "0.1.0"
__all__ = ["Scenario", "ScenarioError", "Result", "evaluate", "evaluate_batch", "load", "parse_toml",
           "save", "validate", "__version__"]
