"""The checkout laid out as installed, for tools that find a package by its folder.

pyproject.toml installs domain/, projections/, api/ and migrations/ as subpackages of
taizhang ([tool.setuptools.package-dir]). Python finds them through setuptools' editable
finder, but import-linter and grimp walk the folder of ``taizhang`` only, so they read a
copy arranged as in site-packages. ``python -m tests.installed_layout`` checks the import
contracts on such a copy (``make imports``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOP = "taizhang"


def package_dirs() -> dict[str, str]:
    """Installed package -> its folder in the checkout, taizhang itself included."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {TOP: TOP, **project["tool"]["setuptools"]["package-dir"]}


def build(target: Path) -> Path:
    """Copy the Python sources under ``target`` as installed; return ``target``."""
    for package, folder in sorted(package_dirs().items()):
        shutil.copytree(
            ROOT / folder,
            target.joinpath(*package.split(".")),
            ignore=shutil.ignore_patterns("__pycache__", "templates", "static", "*.mako"),
            dirs_exist_ok=True,
        )
    return target


def lint_imports(target: Path) -> subprocess.CompletedProcess[str]:
    """import-linter on the copy under ``target``, with the checkout's contracts."""
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(lint), "--no-cache", "--no-logo", str(ROOT / "pyproject.toml")],
        cwd=target,
        capture_output=True,
        text=True,
        check=False,
    )


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="taizhang-layout-") as scratch:
        done = lint_imports(build(Path(scratch)))
    print(done.stdout + done.stderr, end="")
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
