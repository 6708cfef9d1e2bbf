"""The API as `taizhang serve --embedded` runs it: the projection worker in the process, so a
view read that names a position (read-your-writes) is answered once the views reach it, as
in production, rather than refused because nothing projects."""

from __future__ import annotations

from collections.abc import Iterator

from taizhang.api import create_app
from taizhang.config import Settings
from taizhang.migrate import upgrade
from tests.api.conftest import Api, build_world


def served_api(settings: Settings) -> Iterator[Api]:
    upgrade(settings)
    app = create_app(settings, start_projections=True)
    app.config["TESTING"] = True
    api = Api(client=app.test_client(), app=app)
    try:
        build_world(api)
        yield api
    finally:
        app.extensions["taizhang.worker"].stop()
        app.extensions["taizhang"].close()
