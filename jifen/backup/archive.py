"""The backup file: a tar holding ``manifest.json`` (first) and the database's own copy (``payload``).

The manifest says what the copy is (the format, the database kind, the migration head, when the copy's snapshot was
taken, the rows of every table in it) and carries the copy's SHA-256, so that a file that is not a backup of this
service, or one damaged since, is refused before anything is restored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import tarfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import click

FORMAT = "jifen-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PAYLOADS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(click.ClickException):
    """A backup that cannot be made or restored, and why (the command exits with status 1)."""


@dataclass(frozen=True)
class Manifest:
    """What a backup holds; ``tables``: the rows of every table of the copy, as counted in its snapshot."""

    database: str  # sqlite | postgresql
    migration_head: str
    taken_at: str  # ISO 8601, UTC: the snapshot's time; everything committed before it is in the copy
    tables: dict[str, int]
    schema: str | None = None  # PostgreSQL: the schema the tables live in
    payload_sha256: str = ""
    payload_bytes: int = 0
    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    @property
    def payload(self) -> str:
        return PAYLOADS[self.database]


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write(out: Path, manifest: Manifest, payload: Path) -> Manifest:
    """Write the backup file ``out`` (readable by its owner only), atomically: a crash leaves no half file."""
    manifest = Manifest(
        **{**asdict(manifest), "payload_sha256": sha256(payload), "payload_bytes": payload.stat().st_size}
    )
    data = json.dumps(asdict(manifest), indent=2, sort_keys=True).encode()
    partial = out.with_name(f".{out.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(dt.datetime.now().timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
            tar.add(payload, arcname=manifest.payload, recursive=False)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


def read_manifest(path: Path) -> Manifest:
    """The manifest of the backup file ``path``; BackupError if it is not a backup of this service."""
    not_ours = f"{path} is not a backup of this service (made by `flask --app wsgi backup`)"
    try:
        with tarfile.open(path, mode="r:") as tar:
            member = tar.next()
            if member is None or member.name != MANIFEST or not member.isfile():
                raise BackupError(f"{not_ours}: it does not begin with {MANIFEST}")
            stream = tar.extractfile(member)
            assert stream is not None
            fields = json.loads(stream.read())
    except (OSError, tarfile.TarError, ValueError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise BackupError(f"no file {path}") from None
        raise BackupError(f"{not_ours} ({type(exc).__name__}: {exc})") from None
    if not isinstance(fields, dict) or fields.get("format") != FORMAT:
        raise BackupError(f"{not_ours}: its manifest does not say format {FORMAT!r}")
    if fields.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"{path} is a backup in format version {fields.get('format_version')}; this version of the "
                          f"service reads version {FORMAT_VERSION}")  # fmt: skip
    try:
        manifest = Manifest(**fields)
        manifest.payload  # noqa: B018 -- a known database kind
    except (TypeError, KeyError):
        raise BackupError(f"{not_ours}: its manifest is incomplete or names an unknown database") from None
    return manifest


def extract_payload(path: Path, manifest: Manifest, into: Path) -> Path:
    """Copy the database's copy out of ``path`` into the directory ``into``, checked against the manifest's SHA-256."""
    target = into / manifest.payload
    with tarfile.open(path, mode="r:") as tar:
        try:
            member = tar.getmember(manifest.payload)
        except KeyError:
            raise BackupError(f"{path} is incomplete: it holds no {manifest.payload}") from None
        source = tar.extractfile(member)
        if source is None:
            raise BackupError(f"{path} is damaged: {manifest.payload} is not a file")
        _copy(source, target)
    found = sha256(target)
    if found != manifest.payload_sha256:
        raise BackupError(
            f"{path} is damaged: the SHA-256 of its {manifest.payload} is {found}, the manifest says "
            f"{manifest.payload_sha256}"
        )
    return target


def _copy(source: IO[bytes], target: Path) -> None:
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            out.write(chunk)
