"""Session preload scripts as QtWebEngine user scripts.

They run at document creation in the page's main world and in every frame, which is before any
script of the page itself (measured order in research/qtwebengine_ui.md §7).
"""

from __future__ import annotations

import os
from pathlib import Path

from PyQt6.QtWebEngineCore import QWebEngineScript, QWebEngineScriptCollection

_PREFIX = "partita-preload:"


def load(paths: list[str]) -> list[QWebEngineScript]:
    """Read and check every path; raises before anything is installed."""
    scripts = []
    for index, path in enumerate(paths):
        if not isinstance(path, str):
            raise TypeError(f"preload path must be a string, not {path!r}")
        if not os.path.isabs(path):
            raise ValueError(f"preload script must have an absolute path: {path!r}")
        try:
            source = Path(path).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"preload script {path!r} cannot be read: {exc}") from exc
        script = QWebEngineScript()
        script.setName(f"{_PREFIX}{index}:{path}")
        script.setSourceCode(source)
        script.setInjectionPoint(QWebEngineScript.InjectionPoint.DocumentCreation)
        script.setWorldId(QWebEngineScript.ScriptWorldId.MainWorld)
        script.setRunsOnSubFrames(True)
        scripts.append(script)
    return scripts


def install(collection: QWebEngineScriptCollection, scripts: list[QWebEngineScript]) -> None:
    """Replace the session's preloads in ``collection`` with ``scripts``, in order."""
    for existing in collection.toList():
        if existing.name().startswith(_PREFIX):
            collection.remove(existing)
    for script in scripts:
        collection.insert(script)
