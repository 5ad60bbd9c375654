"""The dual backend: each primitive gives the same answer in numpy and as Excel text."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest

from finmodel.model import engine, expr, heavy, light
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
    assert (Sym("a") * MONTHS_PER_YEAR).text == "a*months_per_year"
    assert (Sym("a") ** (1 / MONTHS_PER_YEAR)).text == "a^(1/months_per_year)"


def test_const_arithmetic_is_numeric_in_numpy():
    assert 1 / MONTHS_PER_YEAR == pytest.approx(1 / 12)
    assert np.allclose(np.arange(3) / MONTHS_PER_YEAR, np.arange(3) / 12)
    c = Const("k", 2.0)
    assert isinstance(c * c, Const) and float(c * c) == 4.0 and (c * c).text == "k*k"
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
    assert where(a > 0, a, 0).render("G", "F") == "=IF(G7>0,G7,0)"
    assert safe_div(a, Sym("b")).render() == "=IF(b=0,0,{c}7/b)".replace("{c}", "")
    with pytest.raises(TypeError):
        bool(a > 0)


def test_issue_11_primitives_in_both_backends():
    x = np.array([[-3.0, 1.0, -5.0, 2.0]])
    assert expr.row_min(x).tolist() == [[-5.0]]
    assert math.isnan(float(expr.row_min(np.array([[1.0, np.nan]]))[0, 0]))  # a broken row has no minimum
    assert expr.cummin(x, None).tolist() == [[-3.0, -3.0, -5.0, -5.0]]  # no floor (cummax floors at 0)
    assert expr.eq(np.arange(4.0), 2).tolist() == [False, False, True, False]
    assert math.isnan(float(expr.row_sum(np.array([[1.0, np.nan]]))[0, 0]))  # a total of a broken row is NaN
    rr = expr.RowRange("Heavy", 30, "G", "H", "BO")
    assert expr.row_min(rr).text == "MIN(Heavy!$G$30:$BO$30)"
    assert expr.eq(Sym("{c}$5"), Sym("general_horizon_months")).text == "{c}$5=general_horizon_months"
    acc = expr.cummin(Sym("{c}9"), Sym("{c}$5") < 1)
    assert isinstance(acc, expr._Accumulate)
    assert expr.accumulate_text(acc, Sym("{c}12")).render("H", "G") == "=IF(H$5<1,H9,MIN(G12,H9))"


def test_catalogue_lookup_in_both_backends():
    from finmodel.model import tables
    from finmodel.schema import catalog

    h800, a100 = catalog.GPU_KEYS.index("H800-SXM"), catalog.GPU_KEYS.index("A100-40G-NVLink")
    fp16, fp8 = catalog.PRECISIONS.index("FP16"), catalog.PRECISIONS.index("FP8")
    got = tables.values_at(tables.GPU_TFLOPS, np.array([[h800], [a100], [np.nan]]), np.array([[fp16], [fp8], [fp16]]))
    assert got[0, 0] == 989.0 and np.isnan(got[1, 0]) and np.isnan(got[2, 0])  # no A100 FP8; no GPU chosen
    text = tables.formula(tables.GPU_SERVER_KW, [Sym("heavy_gpu")]).text
    assert text.startswith('IF(heavy_gpu="A100-40G-NVLink",gpu_server_kw_a100_40g_nvlink,') and text.endswith(
        '"n/a")' + ")" * (len(catalog.GPU_KEYS) - 1))
    assert {c.name for c in tables.CONSTANTS} <= {c.name for c in expr.CONSTANTS}  # listed on the Inputs sheet
    with_sheet = tables.formula(tables.GPU_TFLOPS, [Sym("light_gpu"), Sym("heavy_gpu")], Sym("light_precision"),
                                sheet=True).text
    assert with_sheet == ('INDEX(catalogue_gpu_tflops,MATCH(IF(ISBLANK(light_gpu),heavy_gpu,light_gpu),'
                          'catalogue_gpu_tflops_rows,0),MATCH(light_precision,catalogue_gpu_tflops_cols,0))')


# --------------------------------------------------------------------------- formulas a reviewer reads
# A small reference reader of Excel formula text, written from Excel's documented operator precedence
# (highest first: unary minus, ^, * and /, + and -, &, comparisons; every binary operator groups from
# the left). It parses the emitted text independently of finmodel.model.sym and evaluates it, so the
# tests below check that the text means what the expression tree means, and can count brackets that
# change nothing. test_emitted_precedence_agrees_with_libreoffice checks this reader against
# LibreOffice itself.
_TOKEN = re.compile(r'\s*(?:(?P<num>\d+(?:\.\d+)?(?![\w$]))|(?P<str>"(?:[^"]|"")*")|(?P<op><>|<=|>=|[-+*/^&=<>(),])'
                    r"|(?P<name>(?:'(?:[^']|'')+'!)?[A-Za-z_$][\w.$!:]*))")
_LEVELS = [("=", "<>", "<", "<=", ">", ">="), ("&",), ("+", "-"), ("*", "/"), ("^",)]
_CMP, _NEG = 0, len(_LEVELS)  # level of the comparisons; unary minus binds tighter than every operator


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        assert m and m.end() > pos, f"cannot read {text[pos:]!r}"
        out.append(m.group().strip())
        pos = m.end()
    return out


class _Reader:
    """Recursive descent over one formula: ``("num", v)``, ``("str", s)``, ``("name", n)``,
    ``("call", f, args)``, ``("neg", x)``, ``("bin", op, x, y)`` and ``("paren", x)`` nodes."""

    def __init__(self, text: str):
        self.toks, self.i = _tokens(text.removeprefix("=")), 0

    def parse(self) -> tuple:
        node = self._level(0)
        assert self.i == len(self.toks), self.toks[self.i:]
        return node

    def _peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def _take(self) -> str:
        self.i += 1
        return self.toks[self.i - 1]

    def _level(self, k: int) -> tuple:
        if k == _NEG:
            return self._unary()
        node = self._level(k + 1)
        while self._peek() in _LEVELS[k]:
            op = self._take()
            node = ("bin", op, node, self._level(k + 1))  # left to right, like Excel
        return node

    def _unary(self) -> tuple:
        if self._peek() == "-":
            self._take()
            return ("neg", self._unary())
        return self._primary()

    def _primary(self) -> tuple:
        tok = self._take()
        if tok == "(":
            node = ("paren", self._level(0))
            assert self._take() == ")"
            return node
        if tok[0].isdigit():
            return ("num", float(tok))
        if tok[0] == '"':
            return ("str", tok[1:-1].replace('""', '"'))
        if self._peek() == "(":
            self._take()
            args = []
            while self._peek() != ")":
                args.append(self._level(0))
                if self._peek() == ",":
                    self._take()
            self._take()
            return ("call", tok, args)
        return ("name", tok)


def _level_of(node: tuple) -> int:
    if node[0] == "bin":
        return next(k for k, ops in enumerate(_LEVELS) if node[1] in ops)
    return _NEG if node[0] == "neg" else _NEG + 1


def _redundant_brackets(node: tuple, parent: tuple | None = None, side: str = "") -> int:
    """Brackets that could go without changing the parse. By convention a comparison inside a
    comparison keeps its brackets (``(a>=0)=(b>=0)``), for the reader."""
    kids = {"neg": lambda n: [(n[1], "")], "bin": lambda n: [(n[2], "l"), (n[3], "r")],
            "paren": lambda n: [(n[1], "")], "call": lambda n: [(a, "") for a in n[2]]}
    count = sum(_redundant_brackets(k, node, s) for k, s in kids.get(node[0], lambda n: [])(node))
    if node[0] != "paren":
        return count
    inner = node[1]
    if parent is None or parent[0] in ("call", "paren") or inner[0] in ("num", "str", "name", "call", "paren"):
        return count + 1
    level = _level_of(inner)
    if parent[0] == "neg":
        return count + (level >= _NEG)
    p = _level_of(parent)
    needed = level < p or (level == p and (side == "r" or p == _CMP))
    return count + (not needed)


def _excel_text(v: Any) -> str:
    return v if isinstance(v, str) else str(int(v)) if float(v).is_integer() else repr(float(v))


def _evaluate(node: tuple, env: dict[str, float]) -> Any:
    kind = node[0]
    if kind in ("num", "str"):
        return node[1]
    if kind == "name":
        return env[node[1]]
    if kind == "paren":
        return _evaluate(node[1], env)
    if kind == "neg":
        return -_evaluate(node[1], env)
    if kind == "call":
        args = [_evaluate(a, env) for a in node[2]]
        if node[1] == "IF":
            return args[1] if args[0] else args[2]
        flat = [v for x in args for v in (x if isinstance(x, list) else [x])]  # a range is a list
        return {"MIN": min, "MAX": max, "SUM": lambda *xs: sum(xs), "INT": math.floor}[node[1]](*flat)
    x, y = _evaluate(node[2], env), _evaluate(node[3], env)
    if node[1] in "+-*/^":  # Excel reads text that looks like a number as one in arithmetic
        x, y = (float(v) if isinstance(v, str) else v for v in (x, y))
    ops = {"+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y, "/": lambda: x / y, "^": lambda: x**y,
           "&": lambda: _excel_text(x) + _excel_text(y), "=": lambda: x == y, "<>": lambda: x != y,
           "<": lambda: x < y, "<=": lambda: x <= y, ">": lambda: x > y, ">=": lambda: x >= y}
    return ops[node[1]]()


_ATOMS = {"A1": 2.0, "B1": 3.0, "C1": 5.0, "D1": 0.5, "E1": 7.0, "F1": -1.5}


def _random_formula(rng: np.random.Generator, depth: int) -> tuple[Any, Any]:
    """(Python value, operand) of a random expression: the operand is a Sym, or a literal 0 or 1."""
    if depth == 0 or rng.uniform() < 0.2:
        if rng.uniform() < 0.12:
            v = int(rng.integers(0, 2))
            return v, v
        name = str(rng.choice(list(_ATOMS)))
        return _ATOMS[name], Sym(name)
    for _ in range(50):
        op = str(rng.choice(["+", "-", "*", "/", "^", "neg", "cmp"]))
        (xv, xs), (yv, ys) = _random_formula(rng, depth - 1), _random_formula(rng, depth - 1)
        if op == "neg":
            if isinstance(xs, Sym):
                return -xv, -xs
            continue
        if not (isinstance(xs, Sym) or isinstance(ys, Sym)):
            continue
        if op == "^":
            name = str(rng.choice(["A1", "B1"]))
            yv, ys = (_ATOMS[name], Sym(name)) if rng.uniform() < 0.7 else (-_ATOMS[name], -Sym(name))
            if isinstance(xv, bool) or abs(xv) > 50 or xv == 0:
                continue
            return xv**yv, xs**ys
        if op == "cmp":
            if isinstance(xv, bool) or isinstance(yv, bool):
                continue
            cmp = str(rng.choice(["<", "<=", ">", ">=", "="]))
            if cmp == "=":
                return xv == yv, xs.eq(ys) if isinstance(xs, Sym) else ys.eq(xs)
            fns = {"<": (lambda a, b: a < b), "<=": (lambda a, b: a <= b), ">": (lambda a, b: a > b),
                   ">=": (lambda a, b: a >= b)}
            return fns[cmp](xv, yv), fns[cmp](xs, ys)
        if op == "/" and yv == 0:
            continue
        fn = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b}[op]
        return fn(xv, yv), fn(xs, ys)
    name = str(rng.choice(list(_ATOMS)))
    return _ATOMS[name], Sym(name)


def _random_formulas(n: int = 400, seed: int = 11) -> list[tuple[Any, Sym]]:
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        v, s = _random_formula(rng, int(rng.integers(2, 6)))
        if isinstance(s, Sym) and isinstance(v, (int, float)) and np.isfinite(float(v)):
            out.append((v, s))
    return out


# Hand-picked cases where Excel reads text differently from Python, or where brackets used to pile up.
a, b, c = Sym("A1"), Sym("B1"), Sym("C1")
PRECEDENCE_CASES = [
    (-(a**b), "-(A1^B1)"),  # Excel's -A1^B1 is (-A1)^B1
    ((-a) ** b, "-A1^B1"),
    (a - (b - c), "A1-(B1-C1)"),
    ((a - b) - c, "A1-B1-C1"),
    (a / (b * c), "A1/(B1*C1)"),
    (a / b * c, "A1/B1*C1"),
    (a ** (b**c), "A1^(B1^C1)"),  # Python's a**b**c; Excel's A1^B1^C1 would be (A1^B1)^C1
    ((a**b) ** c, "A1^B1^C1"),
    (a ** -b, "A1^-B1"),
    ((a > b) * c, "(A1>B1)*C1"),
    ((a + b).eq(c * a), "A1+B1=C1*A1"),
    ((a > b).eq(c < a), "(A1>B1)=(C1<A1)"),
    (a.cat(b + c), "A1&B1+C1"),
    (a.cat(b) + c, "(A1&B1)+C1"),
    (a.cat(b).eq(Sym("E1").cat(c)), "A1&B1=E1&C1"),
    (a + (-b) * c, "A1-B1*C1"),
    (a - (-b) / c, "A1+B1/C1"),
    (Sym("A3") + Sym("A4") + Sym("A5") + Sym("A6"), "SUM(A3:A6)"),
    (Sym("A3") + Sym("A4"), "A3+A4"),
    (a * (1 + b) ** expr.floor(c / MONTHS_PER_YEAR), "A1*(1+B1)^INT(C1/months_per_year)"),
]


@pytest.mark.parametrize(("sym", "text"), PRECEDENCE_CASES, ids=[t for _, t in PRECEDENCE_CASES])
def test_precedence_cases_emit_minimal_brackets(sym, text):
    assert sym.text == text
    assert _redundant_brackets(_Reader(sym.text).parse()) == 0


def test_emitted_text_means_the_expression_tree():
    """400 random expressions: the text, read with Excel's precedence, evaluates to the value the
    same arithmetic gives in Python; and no bracket in it is redundant."""
    for value, sym in _random_formulas():
        tree = _Reader(sym.text).parse()
        assert _evaluate(tree, _ATOMS) == value, sym.text
        assert _redundant_brackets(tree) == 0, sym.text


@pytest.mark.lo
def test_emitted_precedence_agrees_with_libreoffice(tmp_path):
    """LibreOffice computes the emitted text as the reference reader does (-2^2 = 4, 2^3^2 = 64 ...)."""
    import openpyxl

    from .conftest_lo import recalculate

    wb = openpyxl.Workbook()
    ws = wb.active
    for ref, v in _ATOMS.items():
        ws[ref] = v
    for r, v in ((3, 1.25), (4, 2.5), (5, -4.0), (6, 8.0)):
        ws[f"A{r}"] = v
    env: dict[str, Any] = {**_ATOMS, **{f"A{r}": ws[f"A{r}"].value for r in range(3, 7)}, "months_per_year": 12.0}
    env["A3:A6"] = [env[f"A{r}"] for r in range(3, 7)]
    ws["H1"] = 12.0
    texts = [s.text for s, _ in PRECEDENCE_CASES] + [s.text for _, s in _random_formulas(150, seed=3)]
    texts += ["-2^2", "2^3^2", "2^-1^2", "8/4/2", "1-2-3", '"a"&1+2', "1+2=3", "-A1^B1", "(A1>B1)*C1"]
    for i, text in enumerate(texts, start=10):
        ws[f"A{i}"] = "=" + text.replace("months_per_year", "$H$1")
    src = tmp_path / "precedence.xlsx"
    wb.save(src)
    got = openpyxl.load_workbook(recalculate([src], tmp_path)[src], data_only=True).active
    for i, text in enumerate(texts, start=10):
        want = _evaluate(_Reader(text).parse(), env)
        have = got[f"A{i}"].value
        if isinstance(want, (bool, str)):
            assert have == want, (text, have, want)
        else:
            assert have == pytest.approx(float(want), rel=1e-12), (text, have, want)
    assert [got[f"A{i}"].value for i in range(len(texts) + 1, len(texts) + 10)] == [4, 64, 0.25, 1, -4, "a3",
                                                                                     True, -8, 0]


def test_constant_branches_and_identities_are_folded():
    x, y = Sym("x"), Sym("y")
    assert where(0, x, y).text == "y" and where(1, x, y).text == "x" and where(True, x, 0).text == "x"
    assert where(x > 0, y, y).text == "y"
    assert (x * 1).text == (1 * x).text == (x + 0).text == (0 + x).text == (x - 0).text == (x / 1).text == "x"
    assert (0 * x).text == (x * 0).text == "0"
    minus_x = -x
    assert (0 - x).text == "-x" and (-minus_x).text == "x"
    assert ((x > y) * 1).text == "(x>y)*1"  # a test times 1 is a number, not TRUE/FALSE: kept
    assert ((x > y) + 0).text == "(x>y)+0"


def test_guards_the_enclosing_test_excludes_are_dropped():
    x, d = Sym("x"), Sym("d")
    assert where(d > 0, safe_div(x, d), 0).text == "IF(d>0,x/d,0)"
    assert where(d < 0, 1 + safe_div(x, d), 0).text == "IF(d<0,1+x/d,0)"
    assert where(d.eq(0), 0, maximum(safe_div(x, d), 1)).text == "IF(d=0,0,MAX(x/d,1))"
    assert where(d > 0, 0, safe_div(x, d)).text == "IF(d>0,0,IF(d=0,0,x/d))"  # d ≤ 0 may be 0: kept
    assert where(x > 0, safe_div(x, d), 0).text == "IF(x>0,IF(d=0,0,x/d),0)"  # another divisor: kept
    # the occupancy ramp (workbook-review.md, Task 2)
    from finmodel.model import revenue

    s, ramp = Sym("{c}21"), Sym("heavy_ramp_months")
    ramp_text = revenue.occupancy_path(s, Sym("heavy_occupancy"), Sym("heavy_occupancy_start"), ramp).text
    assert ramp_text == ("IF({c}21>=1,IF(heavy_ramp_months>0,heavy_occupancy_start+(heavy_occupancy-"
                         "heavy_occupancy_start)*MIN(MAX({c}21-1,0)/heavy_ramp_months,1),heavy_occupancy),0)")


def test_numpy_backend_is_untouched_by_folding():
    """The numpy side of every primitive is plain numpy, literals included."""
    x, d = np.array([[-1.0, 0.0, 2.0, np.nan]]), np.array([[0.0, 2.0, 0.0, 4.0]])
    assert np.array_equal(where(0, x, d), d) and np.array_equal(where(1, x, d), x, equal_nan=True)
    assert np.array_equal(where(d > 0, safe_div(x, d), 0), np.where(d > 0, np.where(d == 0, 0.0, x / np.where(
        d == 0, 1.0, d)), 0), equal_nan=True)
    assert np.array_equal(0 * x, np.array([[-0.0, 0.0, 0.0, np.nan]]), equal_nan=True)


def test_a_sum_of_adjacent_rows_is_a_sum():
    assert (Sym("{c}28") + Sym("{c}29") + Sym("{c}30")).render("G", "F") == "=SUM(G28:G30)"
    assert (Sym("Heavy!{c}28") + Sym("Heavy!{c}29") + Sym("Heavy!{c}30")).text == "SUM(Heavy!{c}28:{c}30)"
    assert (Sym("{c}28") + Sym("{c}30") + Sym("{c}31")).text == "{c}28+{c}30+{c}31"  # not adjacent
    assert (Sym("{c}28") + Sym("{p}29") + Sym("{c}30")).text == "{c}28+{p}29+{c}30"  # another column
    assert (Sym("{c}28") + Sym("{c}29") + Sym("{c}30") - Sym("x")).text == "SUM({c}28:{c}30)-x"
    assert prev(Sym("{c}28") + Sym("{c}29") + Sym("{c}30")).text == "SUM({p}28:{p}30)"


def test_no_redundant_brackets_on_the_timeline_and_summary_sheets():
    """Counted with the reference reader on the seed's workbook: zero on Heavy, Light and Summary.
    (The fully bracketed emission before had redundant brackets in 2,390 of the 2,475 Heavy formulas.)"""
    import io

    import openpyxl

    from finmodel import schema, workbook

    wb = openpyxl.load_workbook(io.BytesIO(workbook.workbook_bytes(
        schema.load("assumptions/seed_fs2024.toml"), sensitivity=False)))
    assert _redundant_brackets(_Reader("=(((((G28+G29)+G30)+G31)+G32)+G33)").parse()) == 5  # the reader counts
    for sheet in (workbook.HEAVY, workbook.LIGHT, workbook.SUMMARY):
        forms = [c.value for row in wb[sheet].iter_rows() for c in row if c.data_type == "f"]
        assert len(forms) > 100 or sheet == workbook.SUMMARY
        bad = [f for f in forms if _redundant_brackets(_Reader(f).parse())]
        assert bad == [], (sheet, len(bad), bad[:3])
