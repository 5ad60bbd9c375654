"""The engine: line items written once over a two-backend expression layer (numpy or Excel text).

Stage functions (``timeline``, ``capex``, ``revenue``, ``energy``, ``operations``, ``financing``,
``tax``, ``metrics``) are pure and vectorised; ``heavy`` and ``light`` order them into line items;
``engine`` evaluates items with numpy or renders them as formulas; ``run`` evaluates scenarios.
"""

from finmodel.model.registry import MODELS, item, result_item, row_keys, scalar_keys
from finmodel.model.run import BatchResult, Result, batch_params, evaluate, evaluate_batch

__all__ = ["MODELS", "BatchResult", "Result", "batch_params", "evaluate", "evaluate_batch", "item", "result_item",
           "row_keys", "scalar_keys"]
