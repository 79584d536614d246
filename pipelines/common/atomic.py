"""Writing output files whole or not at all: a temporary file beside the target, renamed when complete.

A reader (a player, ComfyUI's preview, a batch script) never sees half a file, an error or Ctrl-C
leaves nothing behind, and the file gets the permissions of any file the user creates (umask),
not the private mode of a temporary file.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class AtomicFile:
    """A new, empty temporary file ``tmp`` beside ``path`` (mode 0666 less the umask); ``commit``
    renames it onto ``path``, ``discard`` removes it if it is still there."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            self.tmp = self.path.with_name(f".{self.path.stem}.{secrets.token_hex(4)}.part{self.path.suffix}")
            try:
                os.close(os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
                break
            except FileExistsError:
                continue

    def commit(self) -> None:
        os.replace(self.tmp, self.path)

    def discard(self) -> None:
        if self.tmp.exists():
            self.tmp.unlink()


@contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path to write to; on success it replaces ``path``, on any error it is removed."""
    file = AtomicFile(path)
    try:
        yield file.tmp
        file.commit()
    finally:
        file.discard()


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write text (UTF-8) or bytes to ``path`` whole."""
    with atomic_output(path) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
    return Path(path)
