"""Populations of applications, read as a stream: ``score``'s input files, the current stored scores of a year, or
the applications received for a year.

A population is a sequence of *entries* (``engine.batch.Entry``): the JSON text of one
``{"application_ref": …, "facts": {…}}`` each, not yet parsed, so that the parent process only splits the
input and the worker processes parse and score. Memory stays bounded by the size of one entry and the read
buffer, whatever the population's size.
"""

from __future__ import annotations

import codecs
import json
import os
import re
from collections.abc import Iterator
from stat import S_ISREG
from typing import IO, Any

import orjson
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from engine.batch import Entry
from jifen.store.models import Application, ScoreRow

READ_SIZE = 1 << 20
_SPACE = re.compile(r"[ \t\n\r]*")
_NUMBER_TAIL = re.compile(r"[0-9.eE+-]*")


class PopulationError(Exception):
    """The input as a whole cannot be read (a JSON array that breaks off or is malformed, an Excel workbook, a file
    that is not text); ``zh`` says it in Chinese when it is not about the JSON itself."""

    def __init__(self, message: str, zh: str | None = None) -> None:
        super().__init__(message)
        self.zh = zh


XLSX_MAGIC = b"PK\x03\x04"  # an .xlsx workbook is a zip archive


def _not_json(first: bytes) -> None:
    """Refuse a file that is not JSON text as a whole (a workbook, a binary file), rather than each of its lines."""
    if first.lstrip().startswith(XLSX_MAGIC):
        raise PopulationError(
            "this is an Excel workbook (.xlsx), not JSON Lines or a JSON array (`rulesets impact --population` "
            "reads the console's workbook of applicants)",
            "上传的是 Excel 工作簿，不是 JSON 文件；请使用“申请人工作簿”模板填写（可在本页下载），或上传 JSON Lines 文件",
        )
    if first.lstrip()[:1] in (b"{", b"["):
        return  # JSON, perhaps with a bad line: that line is reported, the others are scored
    try:
        first.decode("utf-8")
    except UnicodeDecodeError:
        raise PopulationError(
            "the file is not UTF-8 text: give applications as JSON Lines or a JSON array",
            "上传的文件不是 UTF-8 编码的文本（JSON Lines 或 JSON 数组），也不是 Excel 工作簿（.xlsx）",
        ) from None


class Source:
    """Where a population comes from, read once; ``done`` and ``total`` measure progress in one unit (bytes of
    a file, or entries), ``total`` being None when unknown (a pipe)."""

    description = ""
    done = 0
    total: int | None = None

    def __iter__(self) -> Iterator[Entry]:
        raise NotImplementedError


class FileSource(Source):
    """A JSON array or JSON Lines of entries (``score``'s input format), from a binary stream."""

    def __init__(self, stream: IO[bytes], description: str = "") -> None:
        self._stream = stream
        self.description = description or getattr(stream, "name", "") or "stdin"
        self.total = _size(stream)

    def __iter__(self) -> Iterator[Entry]:
        first, line = b"", 1
        for raw in self._lines():
            if raw.strip():
                first = raw
                break
            line += 1
        if not first:
            return
        _not_json(first)
        if first.lstrip().startswith(b"["):
            yield from self._array(first, line)
            return
        position = 1
        yield position, line, first, None
        for raw in self._lines():
            line += 1
            if raw.strip():
                position += 1
                yield position, line, raw, None

    def _lines(self) -> Iterator[bytes]:
        for raw in self._stream:
            self.done += len(raw)
            yield raw

    def _array(self, first: bytes, first_line: int) -> Iterator[Entry]:
        """The elements of one JSON array, each as its text, found with the C scanner without keeping the array."""
        reader = _ArrayReader(self, first, first_line)
        position = 0
        while reader.next_element(position):
            position += 1
            start_line, text = reader.element()
            yield position, start_line, text, None
        reader.end()

    def read_chunk(self) -> bytes:
        chunk = self._stream.read(READ_SIZE)
        self.done += len(chunk)
        return chunk


class _ArrayReader:
    """A JSON array read a chunk at a time: ``buf`` holds what is not consumed yet, from ``pos``; ``line`` is the
    line of ``buf``'s start."""

    def __init__(self, source: FileSource, first: bytes, first_line: int) -> None:
        self._source = source
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._scan = json.JSONDecoder().raw_decode
        self.buf = self._decode(first)
        self.pos = self.buf.index("[") + 1
        self.line = first_line
        self.eof = False

    def _decode(self, data: bytes, final: bool = False) -> str:
        try:
            return self._utf8.decode(data, final)
        except UnicodeDecodeError:
            raise PopulationError("the input is not valid UTF-8") from None

    def _here(self) -> int:
        return self.line + self.buf.count("\n", 0, self.pos)

    def _more(self) -> bool:
        if self.eof:
            return False
        chunk = self._source.read_chunk()
        self.eof = not chunk
        self.line = self._here()
        self.buf = self.buf[self.pos :] + self._decode(chunk, self.eof)
        self.pos = 0
        return True

    def _skip_space(self) -> str:
        while True:
            self.pos = _SPACE.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf) or not self._more():
                return self.buf[self.pos] if self.pos < len(self.buf) else ""

    def next_element(self, position: int) -> bool:
        """Whether another element follows (after the ``position``-th), past its ``,``; False at the ``]``."""
        char = self._skip_space()
        if position == 0:
            return char != "]"
        if char == "]":
            return False
        if char != ",":
            raise PopulationError(_broken(char, "',' or ']'", self._here()))
        self.pos += 1
        self._skip_space()
        return True

    def element(self) -> tuple[int, bytes | str]:
        """The element at ``pos`` (its first line, its text), read on until it is whole."""
        while True:
            try:
                _value, end = self._scan(self.buf, self.pos)
                if self.eof or _NUMBER_TAIL.fullmatch(self.buf, end) is None:
                    break  # else a number at the end of the buffer ("-0.", "1e") may go on in the next chunk
            except json.JSONDecodeError as exc:
                if self.eof:
                    raise PopulationError(
                        f"{exc.msg} at line {self.line + exc.lineno - 1} column {exc.colno}"
                    ) from None
            if not self._more():
                break
        start_line, text = self._here(), self.buf[self.pos : end]
        self.pos = end
        return start_line, text

    def end(self) -> None:
        """Past the closing ``]``: nothing but space may follow."""
        self.pos += 1
        if self._skip_space():
            raise PopulationError(_broken(self.buf[self.pos], "nothing after the array", self._here()))


def _broken(found: str, expected: str, line: int) -> str:
    return f"expected {expected} at line {line}, found {found!r}" if found else f"the array breaks off at line {line}"


def _size(stream: IO[bytes]) -> int | None:
    try:
        stat = os.fstat(stream.fileno())
    except (OSError, AttributeError, ValueError):
        return None
    return stat.st_size if S_ISREG(stat.st_mode) and stat.st_size else None


class StoredSource(Source):
    """The facts of the current scores of a year (a score is current when no other score supersedes it), by
    application reference, read a page at a time in short transactions."""

    PAGE = 2000

    def __init__(self, factory: sessionmaker[Session], year: int, description: str = "") -> None:
        self._factory = factory
        self.year = year
        self.description = description or f"stored scores of {year} (current)"
        with factory() as session:
            self.total = session.scalar(select(func.count()).select_from(_current(year).subquery()))

    def __iter__(self) -> Iterator[Entry]:
        last: str | None = None
        position = 0
        while True:
            query = _current(self.year).order_by(ScoreRow.application_ref).limit(self.PAGE)
            if last is not None:
                query = query.where(ScoreRow.application_ref > last)
            with self._factory() as session:
                rows = session.execute(query).all()
            for ref, facts in rows:
                position += 1
                self.done += 1
                yield (
                    position,
                    position,
                    b'{"application_ref":%s,"facts":%s}' % (orjson.dumps(ref), facts.encode()),
                    None,
                )
            if len(rows) < self.PAGE:
                return
            last = rows[-1][0]


def _current(year: int) -> Any:
    later = aliased(ScoreRow)
    superseded = exists().where(later.supersedes_id == ScoreRow.id)
    return select(ScoreRow.application_ref, ScoreRow.facts).where(ScoreRow.year == year, ~superseded)


class ApplicationsSource(Source):
    """The applications received for a year (voided ones left out), by reference: the facts as verified (the
    current score's) once scored, else as claimed; read a page at a time in short transactions."""

    PAGE = 2000

    def __init__(self, factory: sessionmaker[Session], year: int, description: str = "") -> None:
        self._factory = factory
        self.year = year
        self.description = description or f"applications received for {year}"
        with factory() as session:
            self.total = session.scalar(select(func.count()).select_from(_received(year).subquery()))

    def __iter__(self) -> Iterator[Entry]:
        last: str | None = None
        position = 0
        while True:
            query = _received(self.year).order_by(Application.application_ref).limit(self.PAGE)
            if last is not None:
                query = query.where(Application.application_ref > last)
            with self._factory() as session:
                rows = session.execute(query).all()
            for ref, claimed, verified in rows:
                position += 1
                self.done += 1
                facts = verified.encode() if verified is not None else orjson.dumps(claimed)
                yield position, position, b'{"application_ref":%s,"facts":%s}' % (orjson.dumps(ref), facts), None
            if len(rows) < self.PAGE:
                return
            last = rows[-1][0]


def _received(year: int) -> Any:
    return (
        select(Application.application_ref, Application.claimed_facts, ScoreRow.facts)
        .outerjoin(ScoreRow, ScoreRow.id == Application.score_id)
        .where(Application.year == year, Application.state != "voided")
    )
