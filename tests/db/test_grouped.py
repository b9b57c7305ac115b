"""Writes of concurrent threads grouped into one transaction (jifen.store.grouped): who leads, who waits, and what
each thread gets back when the group's work answers, refuses one item, or fails."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from jifen.store.dbfaults import DatabaseUnavailable
from jifen.store.grouped import Grouped

WAIT = 10  # seconds; a test that waits this long has failed


class Work:
    """A group's work that records the groups it was given; the first group waits for ``release``."""

    def __init__(self, fail: Callable[[list[str]], BaseException | None] = lambda _items: None) -> None:
        self.groups: list[list[str]] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self._fail = fail

    def __call__(self, items: list[str]) -> list[str]:
        self.groups.append(list(items))
        if len(self.groups) == 1:
            self.started.set()
            assert self.release.wait(WAIT)
        failure = self._fail(items)
        if failure is not None:
            raise failure
        return [item.upper() for item in items]


def _queued(grouped: Grouped[str, str], count: int) -> None:
    """Wait until ``count`` threads wait in the queue (the leader's group taken already)."""
    for _ in range(WAIT * 1000):
        if len(grouped._queue) == count:
            return
        time.sleep(0.001)
    raise AssertionError(f"{count} threads never queued")


def _while_first_leads(grouped: Grouped[str, str], work: Work, items: list[str]) -> list[Future[str]]:
    """``first`` leads and is held inside its work while the others arrive and queue; then it is released."""
    pool = ThreadPoolExecutor(len(items))
    futures = [pool.submit(grouped.write, items[0], work)]
    assert work.started.wait(WAIT)
    futures += [pool.submit(grouped.write, item, work) for item in items[1:]]
    _queued(grouped, len(items) - 1)
    work.release.set()
    pool.shutdown(wait=True)
    return futures


def test_a_thread_alone_writes_its_item_alone() -> None:
    grouped: Grouped[str, str] = Grouped()
    work = Work()
    work.release.set()
    assert grouped.write("a", work) == "A"
    assert grouped.write("b", work) == "B"
    assert work.groups == [["a"], ["b"]]


def test_those_who_arrive_while_one_writes_are_written_together_after_it() -> None:
    grouped: Grouped[str, str] = Grouped()
    work = Work()
    futures = _while_first_leads(grouped, work, ["a", "b", "c", "d"])
    assert [f.result() for f in futures] == ["A", "B", "C", "D"]
    assert work.groups[0] == ["a"]
    assert sorted(work.groups[1]) == ["b", "c", "d"]  # one transaction for the three that waited
    assert not grouped._leading and not grouped._queue


def test_a_group_is_never_larger_than_its_limit() -> None:
    grouped: Grouped[str, str] = Grouped(largest=2)
    work = Work()
    futures = _while_first_leads(grouped, work, ["a", "b", "c", "d", "e"])
    assert [f.result() for f in futures] == ["A", "B", "C", "D", "E"]
    assert [len(g) for g in work.groups] == [1, 2, 2]


def test_a_fault_of_one_item_fails_only_its_own_thread() -> None:
    grouped: Grouped[str, str] = Grouped()
    work = Work(lambda items: ValueError("c cannot be written") if "c" in items else None)
    futures = _while_first_leads(grouped, work, ["a", "b", "c", "d"])
    assert [f.result() for f in futures if f is not futures[2]] == ["A", "B", "D"]
    with pytest.raises(ValueError, match="c cannot be written"):
        futures[2].result()
    # the group of three failed, then each of its items was written alone
    assert sorted(work.groups[1]) == ["b", "c", "d"]
    assert sorted(work.groups[2:]) == [["b"], ["c"], ["d"]]


def test_an_outage_fails_the_whole_group_at_once() -> None:
    grouped: Grouped[str, str] = Grouped()
    work = Work(lambda items: DatabaseUnavailable("down") if len(items) > 1 else None)
    futures = _while_first_leads(grouped, work, ["a", "b", "c"])
    assert futures[0].result() == "A"
    for future in futures[1:]:
        with pytest.raises(DatabaseUnavailable, match="down"):
            future.result()
    assert len(work.groups) == 2  # not tried again item by item


def test_the_leader_leaves_no_one_waiting_when_its_work_fails() -> None:
    grouped: Grouped[str, str] = Grouped()

    def broken(_items: list[str]) -> list[str]:
        raise KeyError("broken")

    with pytest.raises(KeyError):
        grouped.write("a", broken)
    assert not grouped._leading
    work = Work()
    work.release.set()
    assert grouped.write("b", work) == "B"


def test_work_that_answers_for_the_wrong_number_of_items_fails_each_and_leaves_no_one_waiting() -> None:
    grouped: Grouped[str, str] = Grouped()

    class Short(Work):
        def __call__(self, items: list[str]) -> list[str]:
            return super().__call__(items)[1:]

    work = Short()
    futures = _while_first_leads(grouped, work, ["a", "b", "c"])
    for future in futures:
        with pytest.raises(RuntimeError, match="outcomes for a group of 1"):
            future.result()
    assert sorted(work.groups[1]) == ["b", "c"] and not grouped._leading
