"""The service's signing keys: Ed25519 key pairs in a directory of their own, the public halves as a JWKS.

The directory (``JIFEN_SIGNING_KEY_DIR``, default ``instance/signing-keys``) holds one private key per file,
``<kid>.pem`` (PKCS#8, created 0600 in a 0700 directory), and ``keys.json``: every key's public JWK with its
status (``active``: it signs; ``retired``: it no longer signs, its statements still verify) and dates. At most one
key is active. A key's id is its RFC 7638 thumbprint, so anyone holding the public key can recompute it.

Why files and not the database: the private key must never travel with a copy of the database (a backup, a
replica, a support dump), and the public half belongs next to it so that the directory alone is the key store.
Changes are written whole to a temporary file and renamed, under an exclusive lock, so that a reader (a worker
signing, the JWKS) sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc.errors import SecurityWarning
from joserfc.jwk import OKPKey

from jifen.errors import CodedError
from jifen.messages import say

__all__ = ["ALG", "KeyInfo", "KeyStore", "OKPKey"]

ALG = "EdDSA"  # RFC 8037, as the statement's format agreed; RFC 9864's "Ed25519" is the same signature
# joserfc warns on every use of "EdDSA" since RFC 9864 deprecated the name (not the signature); the format keeps it
# because the JOSE libraries of the cities that verify our statements know "EdDSA", not all of them "Ed25519" yet.
warnings.filterwarnings("ignore", message="EdDSA is deprecated", category=SecurityWarning)

INDEX = "keys.json"
ACTIVE, RETIRED = "active", "retired"


def key_error(status: int, code: str, **params: Any) -> CodedError:
    """A refusal about keys, in the catalogue's English (the console and the CLI show its Chinese from ``said``)."""
    said = say(code, **params)
    error = CodedError(status, code, said.text("en"))
    error.said = said  # type: ignore[attr-defined]
    return error


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """One key as ``keys.json`` lists it."""

    kid: str
    public: dict[str, str]  # kty, crv, x
    status: str
    created_at: str
    retired_at: str | None = None

    def jwk(self) -> dict[str, Any]:
        """The public JWK as the JWKS serves it: standard members, and ``status`` (RFC 7517 §4: ignored by
        consumers that do not know it), plus when the key was retired."""
        extra = {"retired_at": self.retired_at} if self.retired_at else {}
        return {**self.public, "kid": self.kid, "alg": ALG, "use": "sig", "status": self.status,
                "created_at": self.created_at, **extra}  # fmt: skip


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


class KeyStore:
    """The keys in one directory."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self._signer: tuple[tuple[int, int], str, OKPKey] | None = None  # (keys.json's mtime and inode, kid, key)

    # --- reading -------------------------------------------------------------------------------------------

    def listed(self) -> list[KeyInfo]:
        """Every key, oldest first (none when the directory or its index does not exist yet)."""
        try:
            raw = json.loads((self.directory / INDEX).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        return [KeyInfo(**entry) for entry in raw["keys"]]

    def jwks(self) -> dict[str, Any]:
        """The public keys as a JWK Set (RFC 7517 §5), the active one first, then the retired, newest first."""
        keys = self.listed()
        active = [k for k in keys if k.status == ACTIVE]
        retired = sorted((k for k in keys if k.status != ACTIVE), key=lambda k: k.created_at, reverse=True)
        return {"keys": [k.jwk() for k in active + retired]}

    def active(self) -> tuple[str, OKPKey]:
        """The key that signs now, with its id; refused (``no_signing_key``) when there is none or its file is gone.
        The private key is read once per change of ``keys.json`` (a rotation is seen by every worker at once)."""
        try:
            found = (self.directory / INDEX).stat()
            stamp = (found.st_mtime_ns, found.st_ino)
        except FileNotFoundError:
            raise key_error(409, "no_signing_key", directory=str(self.directory)) from None
        if self._signer is not None and self._signer[0] == stamp:
            return self._signer[1], self._signer[2]
        current = [k for k in self.listed() if k.status == ACTIVE]
        if not current:
            raise key_error(409, "no_signing_key", directory=str(self.directory))
        path = self._private_path(current[0].kid)
        try:
            key = OKPKey.import_key(path.read_bytes())
        except FileNotFoundError:
            raise key_error(409, "signing_key_file_missing", kid=current[0].kid, path=str(path)) from None
        self._signer = (stamp, current[0].kid, key)
        return current[0].kid, key

    # --- changing --------------------------------------------------------------------------------------------

    def create(self) -> KeyInfo:
        """A first key (or a new one after every key was retired); refused while a key is active."""
        with self._locked():
            keys = self.listed()
            if any(k.status == ACTIVE for k in keys):
                raise key_error(409, "signing_key_exists", kid=next(k.kid for k in keys if k.status == ACTIVE))
            made = self._new_key()
            self._write([*keys, made])
            return made

    def rotate(self) -> tuple[KeyInfo, KeyInfo | None]:
        """A new active key; the one active before is retired (its statements still verify). (new, retired)"""
        with self._locked():
            now = _now()
            keys, old = [], None
            for key in self.listed():
                if key.status == ACTIVE:
                    key = old = KeyInfo(key.kid, key.public, RETIRED, key.created_at, now)
                keys.append(key)
            made = self._new_key()
            self._write([*keys, made])
            return made, old

    def retire(self, kid: str) -> KeyInfo:
        """Stop signing with ``kid`` (kept in the JWKS, marked retired); publication is refused until a key is
        created, when it was the active one."""
        with self._locked():
            keys = self.listed()
            found = [k for k in keys if k.kid == kid]
            if not found:
                raise key_error(404, "no_signing_key_id", kid=kid)
            if found[0].status == RETIRED:
                raise key_error(409, "signing_key_retired", kid=kid, date=found[0].retired_at)
            retired = KeyInfo(kid, found[0].public, RETIRED, found[0].created_at, _now())
            self._write([retired if k.kid == kid else k for k in keys])
            return retired

    def _new_key(self) -> KeyInfo:
        key = OKPKey.generate_key("Ed25519")
        kid = key.thumbprint()
        path = self._private_path(kid)
        # created 0600 from the start: never readable by others, not even between creation and a chmod
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(key.as_pem(private=True))
        public = {name: str(value) for name, value in key.as_dict(private=False).items() if name in ("kty", "crv", "x")}
        return KeyInfo(kid, public, ACTIVE, _now())

    def _private_path(self, kid: str) -> Path:
        return self.directory / f"{kid}.pem"

    def _write(self, keys: list[KeyInfo]) -> None:
        entries = [{"kid": k.kid, "public": k.public, "status": k.status, "created_at": k.created_at,
                    "retired_at": k.retired_at} for k in keys]  # fmt: skip
        temporary = self.directory / f".{INDEX}.tmp"
        temporary.write_text(json.dumps({"keys": entries}, indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, self.directory / INDEX)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open(self.directory / ".lock", "w", encoding="ascii") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield
