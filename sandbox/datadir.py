"""One owner per data dir: an exclusive `flock` on DATA_DIR/owner.lock, which holds the owner's pid.

The kernel drops the lock when its process ends, however it ends (kill -9 included), so the file a
dead process leaves behind never blocks a restart. `add-user` does not take the lock: it is meant
to run beside the server (SQLite serialises the two writers).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from pathlib import Path

LOCK_FILE = "owner.lock"


class DataDirError(Exception):
    """The data dir cannot be used (one line, for the command line)."""


class DataDirBusy(DataDirError):
    """Another live process owns the data dir."""

    def __init__(self, data_dir: Path, pid: str):
        super().__init__(f"{data_dir} is in use by another local exchange (pid {pid or '?'})")
        self.pid = pid


class DataDirLock:
    """Held from `acquire` until `release` (or the process's end)."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.fd: int | None = None

    def acquire(self) -> DataDirLock:
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise DataDirError(f"cannot use {self.data_dir}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip()
            os.close(fd)
            raise DataDirBusy(self.data_dir, holder) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, 0)
            os.close(self.fd)  # closing the last descriptor drops the flock
            self.fd = None


def wipe(data_dir: Path) -> None:
    """Delete everything in `data_dir` except the lock file (which the caller holds)."""
    for entry in Path(data_dir).iterdir():
        if entry.name == LOCK_FILE:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
