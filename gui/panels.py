"""The panel registry: each panel is a dock widget scoped to the selected partition.

A later feature (Downloads, Permissions, Devices, Spellcheck, Extensions, Proxy, SSL) adds a
module that builds its widget and registers a ``PanelSpec``, and names that module in
``BUILTIN_MODULES``. The window makes one dock per spec and calls ``bind(session, entry)`` on
the panel each time another partition is selected.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui.state import PartitionEntry

if TYPE_CHECKING:
    # The window imports this module before its first frame; sessions come after it.
    from core.session import Session

BUILTIN_MODULES = ("gui.panels_partition", "gui.panels_site_data", "gui.panels_downloads",
                   "gui.panels_proxy", "gui.panels_ssl", "gui.panels_network")


@runtime_checkable
class Panel(Protocol):
    def bind(self, session: Session, entry: PartitionEntry) -> None:
        """Show ``session``'s data; called again whenever the selected partition changes."""


@dataclass(frozen=True)
class PanelSpec:
    id: str
    title: str
    factory: Callable[[], QWidget]
    """Builds the panel widget, which also implements ``Panel``."""
    area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea
    shortcut: str | None = None


_specs: dict[str, PanelSpec] = {}


def register(spec: PanelSpec) -> None:
    existing = _specs.get(spec.id)
    if existing is not None and existing != spec:
        raise ValueError(f"a panel with id {spec.id!r} is registered already")
    _specs[spec.id] = spec


def registered() -> list[PanelSpec]:
    """Every registered panel, the built-in ones first in ``BUILTIN_MODULES`` order (whoever
    imported one of them first: the window's tabs keep their order), then the others."""
    for module in BUILTIN_MODULES:
        importlib.import_module(module)

    def rank(spec: PanelSpec) -> int:
        module = spec.factory.__module__
        return BUILTIN_MODULES.index(module) if module in BUILTIN_MODULES else len(
            BUILTIN_MODULES)

    return sorted(_specs.values(), key=rank)


class ErrorLabel(QLabel):
    """The line where a panel says what went wrong; hidden while there is nothing to say."""

    def __init__(self) -> None:
        super().__init__(objectName="PanelError", wordWrap=True)
        self.hide()

    def show_error(self, text: str | None) -> None:
        self.setText(text or "")
        self.setVisible(text is not None)


def panel_column(panel: QWidget) -> QVBoxLayout:
    """The panel's main column, with the margins and spacing every panel shares."""
    column = QVBoxLayout(panel)
    column.setContentsMargins(16, 12, 16, 16)
    column.setSpacing(4)
    return column


def stretch_row(first: QWidget, *rest: QWidget) -> QHBoxLayout:
    """A row where ``first`` takes the spare width and ``rest`` (buttons) keep their size."""
    row = QHBoxLayout()
    row.addWidget(first, 1)
    for widget in rest:
        row.addWidget(widget)
    return row
