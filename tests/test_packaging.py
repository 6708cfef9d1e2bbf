"""Installable as a product: one distribution whose packages all live under ``taizhang``,
declaring what it imports, so ``pip install .`` in a fresh virtualenv serves outside the
checkout (the gunicorn settings and the migrations ship inside the package)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import requests
from eventsourcing.utils import resolve_topic
from packaging.requirements import Requirement

from taizhang.api.reads import TOPICS, stored_topics
from taizhang.domain import LEGACY_PREFIX
from taizhang.domain.branch import Branch
from taizhang.tools.load_server import free_port, stop_gracefully, wait_healthy
from tests.installed_layout import package_dirs

ROOT = Path(__file__).resolve().parent.parent
# The folders of the runtime code; they install as taizhang and its subpackages.
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


def _installed_packages() -> set[str]:
    """The packages setuptools installs (pyproject.toml)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(project["tool"]["setuptools"]["packages"])


def test_every_package_of_the_checkout_is_installed_under_taizhang() -> None:
    """A subpackage missing from pyproject's list would be left out of the wheel."""
    expected = {
        ".".join((package, *init.parent.relative_to(ROOT / folder).parts))
        for package, folder in package_dirs().items()
        for init in (ROOT / folder).rglob("__init__.py")
    }
    assert _installed_packages() == expected
    assert all(name == "taizhang" or name.startswith("taizhang.") for name in expected)


def test_events_stored_before_the_move_keep_their_class_and_their_place_in_the_feed() -> None:
    """The log is immutable: events written when the domain was the top-level package
    ``domain`` keep that topic, and it still names the same class."""
    legacy = f"{LEGACY_PREFIX}.branch:Branch.Registered"
    assert resolve_topic(legacy) is Branch.Registered
    assert resolve_topic(f"{LEGACY_PREFIX}.branch:Branch") is Branch
    assert stored_topics(Branch.Registered) == [
        "taizhang.domain.branch:Branch.Registered",
        legacy,
    ]
    assert legacy in {topic for topics in TOPICS.values() for topic in topics}


def test_every_third_party_import_is_a_declared_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {Requirement(r).name.lower() for r in project["dependencies"]}
    missing = {
        module
        for module in _imports()
        if IMPORTED_AS.get(module, module).lower().replace("_", "-") not in declared
    }
    assert missing == set(), f"imported by the product but only a test extra: {missing}"


def test_pip_install_in_a_fresh_virtualenv_serves_outside_the_checkout(tmp_path: Path) -> None:
    """`pip install .` into a new virtualenv installs one package, ``taizhang``, and its
    `taizhang serve --embedded`, run elsewhere, migrates and answers: the gunicorn settings
    and the migrations ship in the package, nothing is looked up in a checkout."""
    # Installed from a copy: an in-tree build would leave build/ behind and reuse it next time.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*SCRATCH))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q"]
        + [str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # One top-level name in site-packages: no `api`, `domain`, ... beside other projects'.
    assert {p.name for p in site.iterdir()} == {"taizhang", "taizhang-0.1.0.dist-info"}
    shipped = site / "taizhang" / "migrations" / "versions"
    assert {p.name for p in shipped.glob("0*.py")} == {
        p.name for p in (ROOT / "migrations" / "versions").glob("0*.py")
    }
    # The dependencies come from this test's own environment (installing them again would
    # take minutes); a path line in a .pth adds the folder only, not the editable install
    # whose own .pth there is never read.
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "TAIZHANG_", "VIRTUAL_ENV")) and key != "DATABASE_URL"
    }
    env["TAIZHANG_DATABASE_URL"] = f"sqlite:///{elsewhere / 'ledger.sqlite'}"
    env["TAIZHANG_DATA_DIR"] = str(elsewhere / "data")
    where = subprocess.run(
        [str(python), "-c", "import taizhang.api, taizhang.launch; print(taizhang.api.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.strip().startswith(str(site))
    port = free_port()
    process = subprocess.Popen(
        [str(venv / "bin" / "taizhang"), "serve", "--embedded", "--port", str(port)],
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
