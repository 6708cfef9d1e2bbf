"""What the product imports, it declares: a production install (no test extra) runs every
command, `taizhang load` included."""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("domain", "projections", "api", "taizhang", "migrations")
# Distributions whose import name differs from their own, and what comes with another.
IMPORTED_AS = {
    "prometheus_client": "prometheus-client",
    "psycopg_pool": "psycopg-pool",
    "swagger_ui_bundle": "swagger-ui-bundle",
    "sqlalchemy": "alembic",  # alembic's own dependency, used through it
    "werkzeug": "flask",  # Flask's own dependency
}


def _imports() -> set[str]:
    found: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - set(PACKAGES)


def test_every_third_party_import_is_a_declared_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {Requirement(r).name.lower() for r in project["dependencies"]}
    missing = {
        module
        for module in _imports()
        if IMPORTED_AS.get(module, module).lower().replace("_", "-") not in declared
    }
    assert missing == set(), f"imported by the product but only a test extra: {missing}"
