"""The public page periods (routes registered on ``public.blueprint.bp``)."""

from __future__ import annotations

from public.blueprint import bp

__all__ = ["bp"]
