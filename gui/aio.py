"""Running core's coroutines from widgets without blocking the GUI thread."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from PyQt6 import sip
from PyQt6.QtCore import QObject

log = logging.getLogger("partita.gui.aio")
T = TypeVar("T")

# asyncio keeps only weak references to tasks; these are the strong ones until they finish.
_running: set[asyncio.Task[Any]] = set()


def spawn(owner: QObject, coro: Coroutine[Any, Any, T], done: Callable[[T], None],
          failed: Callable[[Exception], None]) -> asyncio.Task[T]:
    """Run ``coro`` on the qasync loop; report to ``done``/``failed`` while ``owner`` lives."""
    task = asyncio.ensure_future(coro)
    _running.add(task)

    def finished(task: asyncio.Task[T]) -> None:
        _running.discard(task)
        if task.cancelled() or sip.isdeleted(owner):
            return
        error = task.exception()
        if error is None:
            done(task.result())
        elif isinstance(error, Exception):
            failed(error)
        else:
            log.error("task of %r ended with %r", owner, error)

    task.add_done_callback(finished)
    return task
