"""Who reads an applicant's facts, and how much of them each reader sees (``Reader.sight``); see ``need``."""

from __future__ import annotations

from dataclasses import dataclass

from jifen.access.api_clients import Caller

FULL, MASKED, OWN, NONE = "full", "masked", "own", "none"


@dataclass(frozen=True, slots=True)
class Reader:
    """Who reads: a console user (by role), an API client (by scopes) or the command line."""

    kind: str  # user | client | cli
    name: str
    role: str = ""  # a user's role; a client's scopes joined with ","
    department: str | None = None

    @classmethod
    def of_client(cls, caller: Caller) -> Reader:
        return cls("client", caller.name, ",".join(sorted(caller.scopes)), caller.department)

    def sight(self, detail: bool = False) -> str:
        """How much this reader sees of facts: ``detail`` is a page or export whose every opening is logged."""
        if self.kind == "cli":
            return FULL
        if self.kind == "user":
            if self.role == "department":
                return OWN
            if self.role in ("auditor", "admin"):
                return FULL if detail else MASKED
            return MASKED if self.role == "publisher" else NONE
        scopes = set(self.role.split(","))
        if scopes & {"facts", "apply"}:
            return FULL
        return OWN if "verify" in scopes else NONE
