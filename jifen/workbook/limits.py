"""Bounds on an uploaded workbook, checked before any parser reads it.

openpyxl builds every cell of a sheet (in read-only mode, every cell of every row it is asked for), and a workbook
of a few megabytes can unpack to hundreds of thousands of rows: tens of seconds of a server's CPU inside one request.
``check`` counts instead, streaming through the archive's XML without building anything: the bytes it unpacks to,
each sheet's rows, all the cells, and the shared strings, and refuses the workbook at the first bound it passes,
naming it. The counting reads the XML as bytes (a few hundred megabytes a second), so a refusal costs far less than
the parsing it saves, and a workbook within the bounds is parsed in a time the bounds cap.

A ``Budget`` caps the time a parser then takes, for the readers that turn many rows into applicants.
"""

from __future__ import annotations

import html
import io
import re
import time
import zipfile
from dataclasses import dataclass
from typing import Any

_NAME = rb"<(?:[A-Za-z_][\w.-]*:)?"  # an element, with or without a namespace prefix
_ROW = re.compile(_NAME + rb"row[\s/>]")
_CELL = re.compile(_NAME + rb"c[\s/>]")
_STRING = re.compile(_NAME + rb"si[\s/>]")
_BLOCK = 1 << 20


@dataclass(frozen=True, slots=True)
class Bounds:
    """The most a workbook may hold: megabytes unpacked, rows in any one sheet, cells and shared strings in all."""

    unpacked_mb: int
    rows: int
    cells: int
    strings: int


class TooLarge(Exception):
    """A workbook beyond its bounds: ``code`` (a problem of jifen.workbook.problems), the bound and where."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code, self.params = code, params
        super().__init__(f"{code}: {params}")


def check(data: bytes, bounds: Bounds) -> None:
    """Raise TooLarge if the workbook in ``data`` passes one of ``bounds``; zipfile's errors if it is no archive."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        if sum(info.file_size for info in infos) > bounds.unpacked_mb * 1024 * 1024:
            raise TooLarge("too_large", limit=bounds.unpacked_mb)
        sheets = _sheet_names(archive)
        cells = strings = 0
        for info in infos:
            name = info.filename
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                sheet = sheets.get(name, name.rsplit("/", 1)[-1])
                rows = 0
                for found_rows, found_cells in _counts(archive, info, (_ROW, _CELL)):
                    rows, cells = rows + found_rows, cells + found_cells
                    if rows > bounds.rows:
                        raise TooLarge("too_many_rows", sheet=sheet, limit=bounds.rows)
                    if cells > bounds.cells:
                        raise TooLarge("too_many_cells", limit=bounds.cells)
            elif name == "xl/sharedStrings.xml":
                for (found,) in _counts(archive, info, (_STRING,)):
                    strings += found
                    if strings > bounds.strings:
                        raise TooLarge("too_many_strings", limit=bounds.strings)


def _counts(archive: zipfile.ZipFile, info: zipfile.ZipInfo, patterns: tuple[re.Pattern[bytes], ...]) -> Any:
    """For each block of the member's bytes, how many times each pattern starts in it (none counted twice)."""
    carry = b""
    with archive.open(info) as member:
        while block := member.read(_BLOCK):
            text = carry + block
            cut = text.rfind(b"<")  # every match starts at a "<" and holds no other: those before it are whole
            if cut < 0:
                cut = len(text)
            whole, carry = text[:cut], text[cut:]
            yield tuple(len(p.findall(whole)) for p in patterns)
    yield tuple(len(p.findall(carry)) for p in patterns)


_SHEET_ENTRY = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_RELATION = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"|'
                       rb'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')  # fmt: skip


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Member name → the sheet's name as Excel shows it, where the (small) workbook parts say so."""
    try:
        book = archive.read("xl/workbook.xml")[: 1 << 20]
        relations = archive.read("xl/_rels/workbook.xml.rels")[: 1 << 20]
    except KeyError:
        return {}
    targets = {}
    for m in _RELATION.finditer(relations):
        rid, target = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        path = target.decode("utf-8", "replace").lstrip("/")
        targets[rid] = path if path.startswith("xl/") else "xl/" + path
    return {targets[rid]: html.unescape(name.decode("utf-8", "replace"))
            for name, rid in _SHEET_ENTRY.findall(book) if rid in targets}  # fmt: skip


class Budget:
    """A time budget for reading: ``spent()`` is True once ``seconds`` have passed since it was made."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._until = time.monotonic() + seconds

    def spent(self) -> bool:
        return time.monotonic() > self._until
