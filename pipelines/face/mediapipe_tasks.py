"""MediaPipe Tasks models (face landmarker, person segmenter): each created once per model file,
run under one lock, and closed before the interpreter shuts down."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

Result = TypeVar("Result")
_lock = threading.Lock()
_tasks: dict[str, object] = {}
_exit_hook_registered = False


def _close_all() -> None:
    """Close explicitly: MediaPipe's own finaliser fails noisily during interpreter shutdown.

    Registered with threading's exit hooks after MediaPipe's first run has started its worker
    pool: those hooks run last-in first-out, so this runs before the pool stops (plain atexit runs
    after it, and registering earlier than the pool puts us after it too)."""
    for task in _tasks.values():
        task.close()
    _tasks.clear()


def run(key: str, create: Callable[[], object], call: Callable[[object], Result]) -> Result:
    """``call(task)`` on the task stored under ``key`` (made by ``create`` on first use)."""
    global _exit_hook_registered
    with _lock:
        if key not in _tasks:
            _tasks[key] = create()
        result = call(_tasks[key])
        if not _exit_hook_registered:
            threading._register_atexit(_close_all)
            _exit_hook_registered = True
    return result
