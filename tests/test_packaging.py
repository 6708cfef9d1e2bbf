"""What the product imports, it declares: a production install (no test extra) runs every
command, `taizhang load` included."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import requests
from packaging.requirements import Requirement

from taizhang.load_server import free_port, stop_gracefully, wait_healthy

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("domain", "projections", "api", "taizhang", "migrations")
SCRATCH = (".venv", "var", "build", ".git", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis")
# Distributions whose import name differs from their own, and what comes with another.
IMPORTED_AS = {
    "prometheus_client": "prometheus-client",
    "psycopg_pool": "psycopg-pool",
    "swagger_ui_bundle": "swagger-ui-bundle",
    "sqlalchemy": "alembic",  # alembic's own dependency, used through it
    "werkzeug": "flask",  # Flask's own dependency
    "markupsafe": "flask",  # Flask's own dependency (the pages' SVG charts)
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


def test_an_installed_copy_serves_outside_the_checkout(tmp_path: Path) -> None:
    """`pip install .` gives a working `taizhang serve`: the gunicorn settings and the
    migrations ship in the wheel, and nothing is looked up relative to a checkout."""
    # Built from a copy: an in-tree build would leave build/ behind and reuse it next time.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*SCRATCH))
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q"]
        + ["-w", str(wheels), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("taizhang-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # The unpacked wheel comes first on the path, before the checkout's editable install.
    env = {
        **os.environ,
        "PYTHONPATH": str(site),
        "TAIZHANG_DATABASE_URL": f"sqlite:///{elsewhere / 'ledger.sqlite'}",
    }
    env.pop("DATABASE_URL", None)
    where = subprocess.run(
        [sys.executable, "-c", "import taizhang.launch, api; print(taizhang.launch.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.strip().startswith(str(site))
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "taizhang.cli", "serve", "--embedded", "--port", str(port)],
        cwd=elsewhere,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process)
        answer = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
        assert answer.status_code in (200, 503)
        assert "projection" in answer.text
        # The supervisors' pages ship their templates and stylesheets (package data).
        signin = requests.get(f"http://127.0.0.1:{port}/pages/signin", timeout=10)
        assert signin.status_code == 200 and 'name="csrf_token"' in signin.text
        for sheet in ("pages.css", "print.css"):
            css = requests.get(f"http://127.0.0.1:{port}/pages/static/{sheet}", timeout=10)
            assert css.status_code == 200, sheet
    finally:
        stop_gracefully(process)
