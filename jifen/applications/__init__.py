"""Applications from receipt to their final score (policy §四): every state transition, in this package.

    verifying ──(every task done: score stored)──▶ scored ──publish──▶ published ──objection──▶ re_reviewing
        ▲            (supplement, once) ◀──────────────┘                    ▲                     │
        └───────────────────────────────────────────────────────────────────│──(re-review done)───┘
    any state ──void──▶ voided (for good)

The API, the CLI and the console call the transitions with a session in a write transaction (``Context``); the
caller commits. The transitions live in ``intake`` (receive, supplement),
``verification`` (verify, extend) and ``publication`` (publish, object_to, void), on the helpers of ``state``; this
package names them all.
"""

from __future__ import annotations

from jifen.applications.intake import receive, supplement
from jifen.applications.publication import object_to, publish, void
from jifen.applications.state import (
    CHANNELS,
    CHINA,
    EXTENSION_DAYS,
    OBJECTION_DAYS,
    RE_REVIEW,
    RE_REVIEW_DAYS,
    REVIEW_DAYS,
    STATES,
    VERIFICATION,
    VOID_REASONS,
    Actor,
    Context,
    china_today,
    find,
    refused,
)
from jifen.applications.verification import extend, verify
from jifen.store.models import Application, VerificationTask

__all__ = [
    "CHANNELS",
    "CHINA",
    "EXTENSION_DAYS",
    "OBJECTION_DAYS",
    "REVIEW_DAYS",
    "RE_REVIEW",
    "RE_REVIEW_DAYS",
    "STATES",
    "VERIFICATION",
    "VOID_REASONS",
    "Actor",
    "Application",
    "Context",
    "VerificationTask",
    "china_today",
    "extend",
    "find",
    "object_to",
    "publish",
    "receive",
    "refused",
    "supplement",
    "verify",
    "void",
]
