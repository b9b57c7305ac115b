"""System calls that answer at once, made without letting go of the GIL (the SQLite writer lock's).

Python lets go of the GIL around every system call. For a call that blocks that is right; for one that returns in
a microsecond it is costly under load: the calling thread then waits for the GIL to come back, up to the
interpreter's switch interval (5 ms) while another thread scores. The writer lock makes such calls for every write
(is the database still writable? is the lock free?), and while it is held every writer of the service waits on
them. ``ctypes.PyDLL`` calls the C library keeping the GIL.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
from pathlib import Path

_libc = ctypes.PyDLL(None, use_errno=True)
_access = _libc.access
_access.argtypes = (ctypes.c_char_p, ctypes.c_int)
_access.restype = ctypes.c_int
_flock = _libc.flock
_flock.argtypes = (ctypes.c_int, ctypes.c_int)
_flock.restype = ctypes.c_int


def writable(path: Path) -> bool:
    """``os.access(path, os.W_OK)``."""
    return bool(_access(os.fsencode(path), os.W_OK) == 0)


def try_lock(fd: int) -> bool:
    """Take the exclusive flock of ``fd`` if it is free (``fcntl.flock(fd, LOCK_EX | LOCK_NB)``); whether it was."""
    if _flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EWOULDBLOCK, errno.EAGAIN):
        return False
    raise OSError(code, os.strerror(code))


def unlock(fd: int) -> None:
    """``fcntl.flock(fd, LOCK_UN)``."""
    if _flock(fd, fcntl.LOCK_UN) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
