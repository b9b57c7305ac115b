"""The public pages' blueprint: every page module registers its routes on ``bp``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__, template_folder="templates", static_folder="static", static_url_path="/assets")
