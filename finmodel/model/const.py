"""Named model constants: the numbers a formula may use besides 0 and 1 (FAST).

A :class:`Const` is a float in numpy and a defined name in the workbook (listed on its Inputs sheet),
so no bare number ever lands inside a generated formula. Unit conversions live in
:mod:`finmodel.model.expr`, the catalogue's values in :mod:`finmodel.model.tables`.
"""

from __future__ import annotations

import numpy as np

from finmodel.model.sym import Sym, binary, negate

__all__ = ["Const"]


class Const(float):
    """A named model constant (a unit conversion), e.g. 12 months per year.

    In numpy it is a plain float; in Excel a defined name on the Inputs sheet. Arithmetic between
    constants and plain numbers stays a Const whose ``sym`` is the formula (``1/months_per_year``),
    so no bare number ever lands inside a generated formula."""

    name: str
    sym: Sym
    unit: str
    label_en: str
    label_zh: str

    def __new__(cls, name: str, value: float, unit: str = "", label_en: str = "", label_zh: str = "",
                sym: Sym | None = None) -> Const:
        obj = super().__new__(cls, value)
        obj.name, obj.unit, obj.label_en, obj.label_zh = name, unit, label_en, label_zh
        obj.sym = sym if sym is not None else Sym(name)
        return obj

    @property
    def value(self) -> float:
        return float(self)

    @property
    def text(self) -> str:
        """The Excel text: the constant's name, or the formula of a derived constant."""
        return self.sym.text

    def _op(self, other: object, op: str, reflected: bool) -> Const:
        if isinstance(other, bool) or not isinstance(other, (int, float, np.integer, np.floating)):
            return NotImplemented
        a, b = (other, self) if reflected else (self, other)
        fa, fb = float(a), float(b)
        value = {"+": fa + fb, "-": fa - fb, "*": fa * fb, "/": fa / fb}[op]
        return Const("", value, sym=binary(op, a, b))

    def __add__(self, o: object) -> Const:
        return self._op(o, "+", False)

    def __radd__(self, o: object) -> Const:
        return self._op(o, "+", True)

    def __sub__(self, o: object) -> Const:
        return self._op(o, "-", False)

    def __rsub__(self, o: object) -> Const:
        return self._op(o, "-", True)

    def __mul__(self, o: object) -> Const:
        return self._op(o, "*", False)

    def __rmul__(self, o: object) -> Const:
        return self._op(o, "*", True)

    def __truediv__(self, o: object) -> Const:
        return self._op(o, "/", False)

    def __rtruediv__(self, o: object) -> Const:
        return self._op(o, "/", True)

    def __neg__(self) -> Const:
        return Const("", -float(self), sym=negate(self.sym))
