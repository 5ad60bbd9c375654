"""The package's layers, as docs/architecture.md draws them: nothing low imports something high.

schema (inputs) < model (the engine) < analysis, demand (consumers of the engine) < workbook <
cli, ui (rendering); app.py and app_pages/ sit on top and may import anything but the CLI. Every
``import`` in the package — at module level or inside a function — is read with ``ast``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RANK = {"schema": 0, "model": 1, "analysis": 2, "demand": 2, "workbook": 3, "cli": 4, "ui": 4}
#: Layers of the same rank that must not import each other either.
APART = {("cli", "ui"), ("ui", "cli"), ("analysis", "demand"), ("demand", "analysis")}


def _layer(path: Path) -> str | None:
    rel = path.relative_to(ROOT / "finmodel").parts
    return rel[0] if len(rel) > 1 and rel[0] in RANK else None


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, finmodel subpackage) of every finmodel import in a file."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "finmodel":
            names = [f"finmodel.{a.name}" for a in node.names] if node.module == "finmodel" else [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.split(".")[0] == "finmodel"]
        out += [(node.lineno, n.split(".")[1]) for n in names if len(n.split(".")) > 1]
    return out


FILES = sorted((ROOT / "finmodel").rglob("*.py"))


@pytest.mark.parametrize("path", [p for p in FILES if _layer(p)], ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_low_imports_something_high(path: Path) -> None:
    here = _layer(path)
    assert here is not None
    bad = [(line, there) for line, there in _imports(path)
           if there in RANK and there != here and (RANK[there] > RANK[here] or (here, there) in APART)]
    assert not bad, f"{path.relative_to(ROOT)} ({here}) imports higher layers: {bad}"


def test_pages_never_import_the_cli() -> None:
    for path in [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py"))]:
        assert all(there != "cli" for _, there in _imports(path)), path


def test_the_reader_sees_every_import_form(tmp_path: Path) -> None:
    """The checker itself: module-level, function-level, ``from finmodel import x`` and dotted forms."""
    f = tmp_path / "x.py"
    f.write_text("from finmodel import workbook, schema\nimport finmodel.ui.fmt\n"
                 "def g():\n    from finmodel.cli.common import fail\n", encoding="utf-8")
    assert sorted(there for _, there in _imports(f)) == ["cli", "schema", "ui", "workbook"]
