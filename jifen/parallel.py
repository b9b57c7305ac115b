"""Work through a stream in chunks on every core: a process pool fed a bounded window, results in input order.

Each worker process runs ``initializer`` once when it starts (that is where it compiles its versions: the
durable_rules core is never shared across processes), then handles chunks. Workers are *spawned*: fresh
interpreters that import the module of ``func`` (``engine.batch``, which imports nothing of the web or the
database) and the parent's main script, not a forked copy of the whole application. A worker then costs
about 40 MiB of memory of its own, and inherits no thread, lock or database connection of the parent. The
parent keeps at most ``window`` chunks in flight, so memory stays bounded however long the stream is. With
one job, or a stream that fits in one chunk, the work runs in this process through the same functions, so
the output cannot differ.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
Tag = TypeVar("Tag")

CHUNK_SIZE = 500


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def chunked(items: Iterable[T], size: int = CHUNK_SIZE) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter)."""
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def ordered_map(
    func: Callable[[T], R],
    chunks: Iterable[tuple[Tag, T]],
    *,
    jobs: int,
    initializer: Callable[..., None],
    initargs: tuple[Any, ...] = (),
    window: int | None = None,
) -> Iterator[tuple[Tag, R]]:
    """``(tag, func(chunk))`` for each ``(tag, chunk)``, in order; tags stay in this process.

    ``func``, ``initializer`` and ``initargs`` must be picklable (module-level functions, plain data).
    """
    iterator = iter(chunks)
    head = list(itertools.islice(iterator, 2))
    iterator = itertools.chain(head, iterator)
    if jobs <= 1 or len(head) <= 1:
        initializer(*initargs)
        for tag, chunk in iterator:
            yield tag, func(chunk)
        return
    pool = ProcessPoolExecutor(
        jobs, mp_context=multiprocessing.get_context("spawn"), initializer=initializer, initargs=initargs
    )
    try:
        pending: deque[tuple[Tag, Future[R]]] = deque()
        limit = window or jobs * 3
        for tag, chunk in iterator:
            pending.append((tag, pool.submit(func, chunk)))
            if len(pending) >= limit:
                done_tag, future = pending.popleft()
                yield done_tag, future.result()
        while pending:
            done_tag, future = pending.popleft()
            yield done_tag, future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
