"""The public pages, without login, for applicants and anyone else (policy §一 公开透明), at ``/``.

Chinese, written for an applicant; usable on a 390 px phone and with scripts off; served entirely by the service
(no CDN). Pages: the standard in force (``standard``), the self-assessment with the one-time materials notice
(``assessment``), the application periods (``periods``) and the applicant's own lookup (``lookup``). The words come
from the product's catalogue (``jifen/words/public.toml``); error pages are the blueprint's own (``errors``).
"""

from __future__ import annotations

from flask import Flask

from jifen import words
from public import assessment, errors, home, lookup, periods, scenes, standard, verify
from public.blueprint import bp

PAGES = (home, standard, assessment, periods, lookup, verify, scenes, errors)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.setdefault("w", words.markup)
    app.jinja_env.filters.setdefault("pts", words.points)
    app.register_blueprint(bp)
