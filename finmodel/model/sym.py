"""The formula backend's algebra: Excel formula text built as a small expression tree.

A :class:`Sym` is one node: an atom (a name, a cell reference, a literal, ready-made call text), a
function call, a unary minus, a binary operator or a guarded quotient ``IF(b=0,0,a/b)``. Its text
is built at construction and carries brackets only where Excel's precedence needs them, highest
first::

    unary -   ^   * /   + -   &   = <> < <= > >=

(Excel differs from Python in two places: ``-2^2`` is 4, because unary minus binds tighter than
``^``, and ``2^3^2`` is 64, because ``^`` groups from the left like every other operator.) The
right operand of an operator of equal precedence keeps its brackets, so the workbook evaluates in
exactly the numpy backend's order (``a-(b-c)``, ``a/(b*c)``); a comparison inside a comparison is
always bracketed, for the reader.

Construction also folds what a reviewer should not have to read, each step exact in IEEE
arithmetic so the workbook still equals the engine: ``IF(0,a,b)`` → ``b``, ``IF(1,a,b)`` → ``a``,
``IF(c,a,a)`` → ``a``; ``x*1``, ``x/1``, ``x^1``, ``x+0``, ``x-0`` → ``x``; ``0*x`` → ``0``;
``x+-y`` → ``x-y`` and ``x--y`` → ``x+y``; a guard ``IF(b=0,0,a/b)`` inside an ``IF`` whose
test already says ``b > 0`` (or ``b < 0``, ``b <> 0``) → ``a/b``; and a sum of three or more
adjacent rows of one sheet → ``SUM(G28:G33)``. The numpy backend never comes here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np

__all__ = ["Sym", "Text", "Operand", "BLANK", "NEVER", "NONE", "NOT_APPLICABLE", "PRECEDENCE", "binary", "negate",
           "call", "switch", "safe_quotient", "map_atoms", "to_sym", "is_sym"]

# Excel's precedence levels, lowest first; an atom (reference, name, literal, function call) binds tightest.
CMP, CAT, ADD, MUL, POW, NEG, ATOM = range(1, 8)
PRECEDENCE: dict[str, int] = {"=": CMP, "<>": CMP, "<": CMP, "<=": CMP, ">": CMP, ">=": CMP, "&": CAT,
                              "+": ADD, "-": ADD, "*": MUL, "/": MUL, "^": POW}
_BOOLEAN_CALLS = frozenset({"AND", "OR", "NOT", "ISBLANK", "ISNUMBER"})
_ROW_REF = re.compile(r"(?P<sheet>(?:[A-Za-z_][\w.]*|'(?:[^']|'')+')!)?(?P<col>\{[cp]\}|[A-Z]{1,3})(?P<row>[0-9]+)")


class Sym:
    """An Excel formula fragment. ``text`` may contain ``{c}`` (this column) and ``{p}``
    (previous column) placeholders for timeline rows; they are filled in per column.

    ``Sym(text)`` is an atom; operators and the functions of this module build the other nodes
    (``op`` names the operator or function, ``args`` holds the operands)."""

    __slots__ = ("text", "prec", "op", "args")
    __array_priority__ = 1000  # make numpy defer to Sym's reflected operators

    def __init__(self, text: str, prec: int = ATOM, op: str = "", args: tuple[Sym, ...] = ()) -> None:
        self.text, self.prec, self.op, self.args = text, prec, op, args

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Sym({self.text!r})"

    # arithmetic -------------------------------------------------------------------------
    def __add__(self, o: Operand) -> Sym:
        return binary("+", self, o)

    def __radd__(self, o: Operand) -> Sym:
        return binary("+", o, self)

    def __sub__(self, o: Operand) -> Sym:
        return binary("-", self, o)

    def __rsub__(self, o: Operand) -> Sym:
        return binary("-", o, self)

    def __mul__(self, o: Operand) -> Sym:
        return binary("*", self, o)

    def __rmul__(self, o: Operand) -> Sym:
        return binary("*", o, self)

    def __truediv__(self, o: Operand) -> Sym:
        return binary("/", self, o)

    def __rtruediv__(self, o: Operand) -> Sym:
        return binary("/", o, self)

    def __pow__(self, o: Operand) -> Sym:
        return binary("^", self, o)

    def __rpow__(self, o: Operand) -> Sym:
        return binary("^", o, self)

    def __neg__(self) -> Sym:
        return negate(self)

    # comparisons produce Excel booleans -------------------------------------------------
    def __lt__(self, o: Operand) -> Sym:
        return binary("<", self, o)

    def __le__(self, o: Operand) -> Sym:
        return binary("<=", self, o)

    def __gt__(self, o: Operand) -> Sym:
        return binary(">", self, o)

    def __ge__(self, o: Operand) -> Sym:
        return binary(">=", self, o)

    def eq(self, o: Operand) -> Sym:
        """Excel equality (``==`` is kept for Python identity semantics)."""
        return binary("=", self, o)

    def cat(self, o: Operand) -> Sym:
        """Excel text concatenation ``&``."""
        return binary("&", self, o)

    def __and__(self, o: Operand) -> Sym:
        return call("AND", self, o)

    def __rand__(self, o: Operand) -> Sym:
        return call("AND", o, self)

    def __bool__(self) -> bool:  # a symbolic condition has no truth value in Python
        raise TypeError("a symbolic formula cannot be used in a Python `if`; use expr.where()")

    def render(self, col: str = "", prev_col: str = "") -> str:
        """Formula text for one column (``{c}``/``{p}`` replaced)."""
        return "=" + self.text.replace("{c}", col).replace("{p}", prev_col)


@dataclass(frozen=True)
class Text:
    """A non-numeric result: NaN in numpy, a text cell in Excel ("" is an empty cell, which
    MAX and COUNT ignore; "never" marks a payback that is not reached)."""

    text: str


BLANK = Text("")
NEVER = Text("never")
NONE = Text("none")
NOT_APPLICABLE = Text("n/a")


#: What a formula operand may be: a symbol, a named constant (``expr.Const``, a float that carries its
#: formula as ``.sym``), a text result, or the literals 0 and 1. (``np.ndarray`` is listed for the
#: type checker only: a stage function's ``Num`` operands are all arrays or all symbols at run time,
#: and :func:`to_sym` refuses an array.)
Operand: TypeAlias = "Sym | Text | float | bool | np.number | np.bool_ | np.ndarray"


# --------------------------------------------------------------------------- leaves
def is_sym(*xs: object) -> bool:
    """Whether any argument is a formula symbol (then a primitive takes the formula backend)."""
    return any(isinstance(x, Sym) for x in xs)


def to_sym(x: object) -> Sym:
    """An :data:`Operand` as a node; refuses bare numbers other than 0 and 1 (FAST: name them) and
    anything else (a numpy array has no place in a formula)."""
    if isinstance(x, Sym):
        return x
    named = getattr(x, "sym", None)  # a named constant renders as its name (or its formula)
    if isinstance(named, Sym):
        return named
    if isinstance(x, Text):
        return Sym('"' + x.text.replace('"', '""') + '"')
    if isinstance(x, (bool, np.bool_)):
        return Sym("TRUE" if x else "FALSE")
    if isinstance(x, (int, float, np.integer, np.floating)):
        if float(x) in (0.0, 1.0):
            return Sym(str(int(x)))
        raise ValueError(f"constant {x!r} inside a formula: declare it as an expr.Const")
    raise TypeError(f"cannot use {type(x).__name__} in a formula")


def _literal(s: Sym) -> float | None:
    """The value of a literal 0 or 1 (and TRUE/FALSE as tests), else None."""
    if s.op == "":
        return {"0": 0.0, "1": 1.0, "FALSE": 0.0, "TRUE": 1.0}.get(s.text)
    return None


def _number(s: Sym) -> float | None:
    """The value of a numeric literal 0 or 1 (not TRUE/FALSE, which are not numbers in a cell)."""
    return _literal(s) if s.text in ("0", "1") else None


def _boolean(s: Sym) -> bool:
    """Whether the node yields TRUE/FALSE (so ``x*1`` must stay: it turns a test into a number)."""
    return s.prec == CMP or s.op in _BOOLEAN_CALLS or s.text in ("TRUE", "FALSE")


# --------------------------------------------------------------------------- nodes
def binary(op: str, a: object, b: object) -> Sym:
    """``a op b`` with brackets only where Excel's precedence and left-to-right grouping need them."""
    x, y = to_sym(a), to_sym(b)
    folded = _fold(op, x, y)
    if folded is not None:
        return folded
    p = PRECEDENCE[op]
    left = x.text if x.prec > p or (x.prec == p and p != CMP) else f"({x.text})"
    right = y.text if y.prec > p else f"({y.text})"
    if op == "+":
        summed = _adjacent_sum([*_terms(x), y])
        if summed is not None:
            return Sym(summed, ATOM, op, (x, y))
    return Sym(f"{left}{op}{right}", p, op, (x, y))


def _fold(op: str, x: Sym, y: Sym) -> Sym | None:
    """The exact simplification of ``x op y``, if there is one."""
    vx, vy = _number(x), _number(y)
    if op == "+":
        if vx == 0 and not _boolean(y):
            return y
        if vy == 0 and not _boolean(x):
            return x
        inner = _unneg(y)
        return None if inner is None else binary("-", x, inner)
    if op == "-":
        if vy == 0 and not _boolean(x):
            return x
        if vx == 0:
            return negate(y)
        inner = _unneg(y)
        return None if inner is None else binary("+", x, inner)
    if op == "*":
        if vx == 0 or vy == 0:
            return Sym("0")
        if vx == 1 and not _boolean(y):
            return y
        if vy == 1 and not _boolean(x):
            return x
    if op in ("/", "^") and vy == 1 and not _boolean(x):
        return x
    return None


def _unneg(s: Sym) -> Sym | None:
    """``s`` without its leading unary minus (``-a`` → ``a``, ``-a*b/c`` → ``a*b/c``), if it has one."""
    if s.op == "neg":
        return s.args[0]
    if s.op in ("*", "/"):
        inner = _unneg(s.args[0])
        if inner is not None:
            return binary(s.op, inner, s.args[1])
    return None


def _terms(s: Sym) -> list[Sym]:
    """The operands of a left-to-right chain of ``+``."""
    return [*_terms(s.args[0]), s.args[1]] if s.op == "+" else [s]


def _adjacent_sum(terms: list[Sym]) -> str | None:
    """``SUM(G28:G33)`` when the terms are three or more adjacent rows of one column and sheet."""
    if len(terms) < 3:
        return None
    refs = [_ROW_REF.fullmatch(t.text) if t.op == "" else None for t in terms]
    first = refs[0]
    if first is None or any(m is None or (m["sheet"], m["col"]) != (first["sheet"], first["col"]) for m in refs):
        return None
    rows = [int(m["row"]) for m in refs if m is not None]
    if rows != list(range(rows[0], rows[0] + len(rows))):
        return None
    col = first["col"]
    return f"SUM({first['sheet'] or ''}{col}{rows[0]}:{col}{rows[-1]})"


def negate(x: object) -> Sym:
    """Unary minus (``-(a^b)`` keeps its brackets: in Excel ``-a^b`` is ``(-a)^b``)."""
    s = to_sym(x)
    if _number(s) == 0:
        return s
    if s.op == "neg" and not _boolean(s.args[0]):
        return s.args[0]
    return Sym("-" + (s.text if s.prec >= NEG else f"({s.text})"), NEG, "neg", (s,))


def call(fn: str, *args: object) -> Sym:
    """A function call ``FN(a,b,...)``; arguments never need brackets."""
    syms = tuple(to_sym(a) for a in args)
    return Sym(f"{fn}({','.join(s.text for s in syms)})", ATOM, fn, syms)


def safe_quotient(a: Sym, b: Sym) -> Sym:
    """``IF(b=0,0,a/b)``, kept as one node so an enclosing test on ``b`` can drop the guard."""
    quotient, test = binary("/", a, b), binary("=", b, 0)
    return Sym(f"IF({test.text},0,{quotient.text})", ATOM, "safe_div", (a, b))


def switch(cond: object, a: object, b: object) -> Sym:
    """``IF(cond,a,b)``, folded when the test is a constant or both branches are the same, and
    without the guards inside a branch that the test already decides."""
    c, x, y = to_sym(cond), to_sym(a), to_sym(b)
    known = _literal(c)
    if known is not None:
        return x if known else y
    if x.text == y.text:
        return x
    nonzero_if_true, nonzero_if_false = _nonzero_when(c)
    if nonzero_if_true is not None:
        x = _unguard(x, nonzero_if_true)
    if nonzero_if_false is not None:
        y = _unguard(y, nonzero_if_false)
    return call("IF", c, x, y)


def _nonzero_when(c: Sym) -> tuple[str | None, str | None]:
    """The text of ``x`` for a test ``x>0``, ``x<0``, ``x<>0`` (nonzero when true) or ``x=0``
    (nonzero when false): (when true, when false)."""
    if c.op not in (">", "<", "<>", "="):
        return None, None
    x, y = c.args
    other = x if _number(y) == 0 else y if _number(x) == 0 else None
    if other is None:
        return None, None
    return (None, other.text) if c.op == "=" else (other.text, None)


def _unguard(s: Sym, divisor: str) -> Sym:
    """``s`` with every guard ``IF(d=0,0,a/d)`` on ``d`` = ``divisor`` replaced by ``a/d``."""
    if s.op == "":
        return s
    args = tuple(_unguard(a, divisor) for a in s.args)
    if s.op == "safe_div" and args[1].text == divisor:
        return binary("/", args[0], args[1])
    if all(new is old for new, old in zip(args, s.args, strict=True)):
        return s
    return _rebuild(s, args)


def _rebuild(s: Sym, args: tuple[Sym, ...]) -> Sym:
    """The node ``s`` with new operands (folding again)."""
    if s.op in PRECEDENCE:
        return binary(s.op, *args)
    if s.op == "neg":
        return negate(args[0])
    if s.op == "safe_div":
        return safe_quotient(*args)
    if s.op == "IF":
        return switch(*args)
    return call(s.op, *args)


def map_atoms(s: Sym, fn: Callable[[str], str]) -> Sym:
    """``s`` with the text of every atom replaced by ``fn(text)`` (e.g. this column → previous)."""
    if s.op == "":
        return Sym(fn(s.text), s.prec)
    return _rebuild(s, tuple(map_atoms(a, fn) for a in s.args))
