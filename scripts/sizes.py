"""Print the largest modules and functions of the package (lines, measured with ``ast``).

    python scripts/sizes.py            # top 15 of each
    python scripts/sizes.py --top 40 --root finmodel app_pages

Declarative tables (module-level lists of ``Item``/``fld`` declarations, string tables) count as
module lines but not as functions. A function's size is its ``def`` to its last line, docstring
included; "code" leaves out docstrings, comments and blank lines.
"""

from __future__ import annotations

import argparse
import ast
import io
import tokenize
from pathlib import Path


def code_lines(source: str) -> set[int]:
    """Line numbers that hold code (not blank, not only a comment, not a docstring)."""
    lines: set[int] = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                        tokenize.ENDMARKER):
            continue
        lines.update(range(tok.start[0], tok.end[0] + 1))
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(
                    first.value.value, str):
                lines.difference_update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return lines


def functions(tree: ast.AST) -> list[tuple[str, int, int]]:
    """(qualified name, first line, last line) of every function and method."""
    out: list[tuple[str, int, int]] = []

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                out.append((name, child.lineno, child.end_lineno or child.lineno))
                walk(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                walk(child, f"{prefix}{child.name}.")

    walk(tree, "")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--root", nargs="+", default=["finmodel", "app_pages", "app.py"])
    args = ap.parse_args()
    files = sorted(p for r in args.root for p in ([Path(r)] if r.endswith(".py") else Path(r).rglob("*.py")))
    mods, funcs = [], []
    for p in files:
        src = p.read_text(encoding="utf-8")
        code = code_lines(src)
        mods.append((len(src.splitlines()), len(code), str(p)))
        for name, a, b in functions(ast.parse(src)):
            funcs.append((b - a + 1, len([n for n in code if a <= n <= b]), f"{p}:{a} {name}"))
    print(f"{len(files)} files, {sum(m[0] for m in mods):,} lines, {sum(m[1] for m in mods):,} code lines")
    print(f"\nlargest modules (lines / code lines), top {args.top}:")
    for total, code, name in sorted(mods, reverse=True)[: args.top]:
        print(f"  {total:5d} {code:5d}  {name}")
    print(f"\nlongest functions (lines / code lines), top {args.top}:")
    for total, code, name in sorted(funcs, reverse=True)[: args.top]:
        print(f"  {total:5d} {code:5d}  {name}")


if __name__ == "__main__":
    main()
