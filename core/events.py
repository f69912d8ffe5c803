"""Node-style event emitters, as Electron's objects are (API.md rule 5).

``emit(name, *args)`` passes its arguments to every listener unchanged, exactly as Node does;
emitters whose Electron events carry an ``Event`` create one and pass it first.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

log = logging.getLogger("partita.events")

Listener = Callable[..., Any]


class Event:
    """First argument of most Electron events; ``prevent_default()`` vetoes the default."""

    def __init__(self) -> None:
        self._default_prevented = False

    def prevent_default(self) -> None:
        self._default_prevented = True

    @property
    def default_prevented(self) -> bool:
        return self._default_prevented


class EventEmitter:
    """``on`` / ``once`` / ``off`` / ``emit`` with Node's semantics."""

    def __init__(self) -> None:
        # (listener, once) pairs per event name, in registration order.
        self._listeners: dict[str, list[tuple[Listener, bool]]] = {}

    def on(self, name: str, listener: Listener) -> EventEmitter:
        self._check(name, listener)
        self._listeners.setdefault(name, []).append((listener, False))
        return self

    def once(self, name: str, listener: Listener) -> EventEmitter:
        self._check(name, listener)
        self._listeners.setdefault(name, []).append((listener, True))
        return self

    def off(self, name: str, listener: Listener) -> EventEmitter:
        entries = self._listeners.get(name, [])
        for i, (registered, _) in enumerate(entries):
            if registered == listener:
                del entries[i]
                break
        return self

    def remove_all_listeners(self, name: str | None = None) -> EventEmitter:
        if name is None:
            self._listeners.clear()
        else:
            self._listeners.pop(name, None)
        return self

    def listener_count(self, name: str) -> int:
        return len(self._listeners.get(name, []))

    def emit(self, name: str, *args: Any) -> bool:
        """Call the listeners of ``name`` in order; True if there were any.

        Emitters are often called from Qt slots, where an escaping exception makes PyQt abort
        the process; so a listener's exception goes to ``sys.excepthook`` (the app logs it,
        pytest-qt fails the test) and the remaining listeners still run.
        """
        entries = list(self._listeners.get(name, []))
        if not entries:
            return False
        remaining = self._listeners.get(name, [])
        for listener, once in entries:
            if once and (listener, once) in remaining:
                remaining.remove((listener, once))
            try:
                listener(*args)
            except Exception as exc:
                log.debug("listener of %r raised", name)
                sys.excepthook(type(exc), exc, exc.__traceback__)
        return True

    @staticmethod
    def _check(name: str, listener: Listener) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"event name must be a non-empty string, not {name!r}")
        if not callable(listener):
            raise TypeError(f"listener must be callable, not {listener!r}")
