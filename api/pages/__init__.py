"""The supervisors' pages: the district, its committees and every branch in the browser.

Server-rendered with Jinja; no JavaScript, no CDN. A page signs in once with a token
(``taizhang.api.pages.session``) and reads through the JSON API's own view functions
(``taizhang.api.pages.bridge``), so it shows exactly what the API shows the same token. Everything
is under ``/pages/``; ``/`` leads to the sign-in page or the role's landing page.
"""

from __future__ import annotations

from flask import Flask

from taizhang.api.pages import (
    accounts,
    coverage,
    fragments,
    grading,
    lists,
    members,
    party_life,
    session,
)
from taizhang.api.pages.routes import bp, landing
from taizhang.config import Settings


def install(app: Flask, settings: Settings) -> None:
    session.configure(app, settings)
    fragments.install(app)
    app.register_blueprint(bp)
    app.add_url_rule("/", endpoint="landing", view_func=landing, methods=["GET"])


__all__ = ["accounts", "coverage", "grading", "install", "lists", "members", "party_life"]
