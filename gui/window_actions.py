"""The window's menus and keyboard shortcuts, all acting on the current tab or partition."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import QMenu, QMenuBar

from gui.resources import icon
from gui.state import Kind

if TYPE_CHECKING:
    from gui.main_window import MainWindow


@dataclass(frozen=True)
class _Spec:
    id: str
    text: str
    shortcuts: tuple[str, ...]
    run: Callable[[MainWindow], object]
    icon: str | None = None


def _on_tab(action: str) -> Callable[[MainWindow], None]:
    """Triggers the ``QWebEnginePage.WebAction`` named ``action`` on the current tab."""

    def run(window: MainWindow) -> None:
        tab = window.current_tab()
        if tab is not None:
            # Imported here: the menus exist before QtWebEngine loads (after the first frame);
            # a tab means it has.
            from PyQt6.QtWebEngineCore import QWebEnginePage

            tab.trigger(QWebEnginePage.WebAction[action])
    return run


def _on_browser(run: Callable[..., None], *args: object) -> Callable[[MainWindow], None]:
    def call(window: MainWindow) -> None:
        browser = window.current_browser()
        if browser is not None:
            run(browser, *args)
    return call


def _focus_address(window: MainWindow) -> None:
    tab = window.current_tab()
    if tab is not None:
        tab.focus_address()


def _close_tab(window: MainWindow) -> None:
    browser = window.current_browser()
    if browser is not None and browser.current() is not None:
        browser.close_tab(browser.tabs.currentIndex())


Key = tuple[Kind, str]


def _with_selected(show: Callable[[MainWindow, Key], object]) -> Callable[[MainWindow], None]:
    def run(window: MainWindow) -> None:
        entry = window.current_entry()
        if entry is not None:
            show(window, entry.key)
    return run


MENUS: dict[str, tuple[_Spec | None, ...]] = {
    "&File": (
        _Spec("new-tab", "New tab", ("Ctrl+T",),
              _on_browser(lambda browser: browser.new_tab()), "plus"),
        _Spec("close-tab", "Close tab", ("Ctrl+W",), _close_tab),
        None,
        _Spec("quit", "Quit", ("Ctrl+Q",), lambda window: window.close()),
    ),
    "&Go": (
        _Spec("back", "Back", ("Alt+Left",), _on_tab("Back"), "back"),
        _Spec("forward", "Forward", ("Alt+Right",), _on_tab("Forward"), "forward"),
        _Spec("reload", "Reload", ("F5", "Ctrl+R"), _on_tab("Reload"), "reload"),
        _Spec("stop", "Stop", ("Esc",), _on_tab("Stop"), "stop"),
        None,
        _Spec("focus-address", "Focus address bar", ("Ctrl+L",), _focus_address),
        _Spec("next-tab", "Next tab", ("Ctrl+Tab",), _on_browser(lambda b: b.step(1))),
        _Spec("previous-tab", "Previous tab", ("Ctrl+Shift+Tab",),
              _on_browser(lambda b: b.step(-1))),
    ),
    "&Partition": (
        _Spec("add-partition", "Add partition…", ("Ctrl+Shift+N",),
              lambda window: window.show_add_dialog(), "plus"),
        _Spec("rename-partition", "Rename…", (),
              _with_selected(lambda window, key: window.show_rename_dialog(key)), "edit"),
        _Spec("colour-partition", "Change colour…", (),
              _with_selected(lambda window, key: window.show_colour_dialog(key)), "palette"),
        _Spec("remove-partition", "Remove…", (),
              _with_selected(lambda window, key: window.show_remove_dialog(key)), "trash"),
    ),
}


def install(window: MainWindow, menu_bar: QMenuBar) -> dict[str, QAction]:
    """Add the menus to ``menu_bar``; returns the actions by id (the View menu comes later)."""
    actions: dict[str, QAction] = {}
    for title, specs in MENUS.items():
        menu = menu_bar.addMenu(title)
        assert menu is not None
        for spec in specs:
            if spec is None:
                menu.addSeparator()
                continue
            actions[spec.id] = _action(window, menu, spec)
    return actions


def _action(window: MainWindow, menu: QMenu, spec: _Spec) -> QAction:
    action = QAction(spec.text, window)
    if spec.icon:
        action.setIcon(icon(spec.icon))
    action.setShortcuts([QKeySequence(keys) for keys in spec.shortcuts])
    action.triggered.connect(lambda _checked=False: spec.run(window))
    menu.addAction(action)
    return action
