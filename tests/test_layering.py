"""core/ has no widgets: import-linter cannot name a sub-package of PyQt6, so this checks it."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "core"
# core.app creates the QApplication (API.md: create_application returns it); nothing else may
# reach for widgets.
ALLOWED_WIDGET_IMPORTERS = {"app.py"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_imports_no_widgets_and_no_gui() -> None:
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        for name in _imports(path):
            if name == "gui" or name.startswith(("gui.", "PyQt6.QtWebEngineWidgets")):
                offenders.append(f"{path.name}: {name}")
            if name == "PyQt6.QtWidgets" and path.name not in ALLOWED_WIDGET_IMPORTERS:
                offenders.append(f"{path.name}: {name}")
    assert offenders == []
