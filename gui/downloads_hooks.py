"""Listeners that a widget puts on core's event emitters, taken off together.

Sessions outlive the widgets that show them (a closed window, a rebound panel); a listener
left behind would call into a deleted Qt object. ``Hooks`` remembers each listener it adds and
removes them all on ``release()``, which runs by itself when the owning Qt object is destroyed.
"""

from __future__ import annotations

from PyQt6.QtCore import QObject

from core.events import EventEmitter, Listener


class Hooks:
    def __init__(self, owner: QObject) -> None:
        self._added: dict[EventEmitter, list[tuple[str, Listener]]] = {}
        # A lambda keeps this object alive as long as the connection (PyQt holds the object
        # of a bound-method slot only weakly), so the release runs however the owner goes.
        owner.destroyed.connect(lambda: self.release())

    def on(self, emitter: EventEmitter, names: tuple[str, ...], listener: Listener) -> None:
        for name in names:
            emitter.on(name, listener)
            self._added.setdefault(emitter, []).append((name, listener))

    def __contains__(self, emitter: EventEmitter) -> bool:
        return emitter in self._added

    def drop(self, emitter: EventEmitter) -> None:
        for name, listener in self._added.pop(emitter, []):
            emitter.off(name, listener)

    def release(self) -> None:
        for emitter in list(self._added):
            self.drop(emitter)
