"""The dual backend: each primitive gives the same answer in numpy and as Excel text."""

from __future__ import annotations

import numpy as np
import pytest

from finmodel.model import engine, heavy, light
from finmodel.model.expr import MONTHS_PER_YEAR, Const, Sym, cummax, cumsum, maximum, prev, safe_div, where


def _layout(items, sheet):
    lay, r = {}, 10
    for it in items:
        lay[it.key] = engine.Cell(sheet, row=r) if it.kind == "row" else engine.Cell(sheet, name=f"calc_{it.key}")
        r += 1
    return lay


@pytest.mark.parametrize("items,sheet", [(heavy.ALL, "Heavy"), (light.ALL, "Light")])
def test_every_item_renders_as_a_formula(items, sheet):
    ctx = engine.FormulaContext(_layout(items, sheet), {sheet: 5}, "F", "G", "BN")
    for it in items:
        text = ctx.formula(it).render("G", "F")
        assert text.startswith("=") and "{" not in text, (it.key, text)
        for banned in ("XLOOKUP", "LET(", "FILTER("):
            assert banned not in text


def test_bare_constants_are_refused_in_formulas():
    with pytest.raises(ValueError, match="declare it as an expr.Const"):
        Sym("a") * 12
    assert (Sym("a") * MONTHS_PER_YEAR).text == "(a*months_per_year)"
    assert (Sym("a") ** (1 / MONTHS_PER_YEAR)).text == "(a^(1/months_per_year))"


def test_const_arithmetic_is_numeric_in_numpy():
    assert 1 / MONTHS_PER_YEAR == pytest.approx(1 / 12)
    assert np.allclose(np.arange(3) / MONTHS_PER_YEAR, np.arange(3) / 12)
    c = Const("k", 2.0)
    assert isinstance(c * c, Const) and float(c * c) == 4.0 and (c * c).text == "(k*k)"
    with pytest.raises(ValueError, match="declare it as an expr.Const"):
        c * 3  # a bare 3 would land inside a formula


def test_primitives_numpy():
    x = np.array([[-3.0, 1.0, 4.0, -2.0]])
    assert prev(x).tolist() == [[0.0, -3.0, 1.0, 4.0]]
    assert cumsum(x).tolist() == [[-3.0, -2.0, 2.0, 0.0]]
    assert cummax(np.array([[-3.0, 1.0, 4.0, 2.0]])).tolist() == [[0.0, 1.0, 4.0, 4.0]]
    assert safe_div(np.array([1.0, 2.0]), np.array([0.0, 4.0])).tolist() == [0.0, 0.5]
    assert where(x > 0, 1, 0).tolist() == [[0, 1, 1, 0]]
    assert maximum(x, 0).tolist() == [[0.0, 1.0, 4.0, 0.0]]


def test_primitives_excel():
    a = Sym("{c}7")
    assert prev(a).render("G", "F") == "=F7"
    assert where(a > 0, a, 0).render("G", "F") == "=IF((G7>0),G7,0)"
    assert safe_div(a, Sym("b")).render() == "=IF(b=0,0,{c}7/b)".replace("{c}", "")
    with pytest.raises(TypeError):
        bool(a > 0)
