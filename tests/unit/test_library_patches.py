"""Issue 17: "Library extension through its hooks (subclassing, ``construct_*``), not
patching objects in place; where a patch is unavoidable, one module installs it with a
check of the library's version" (taizhang.store.library_patches)."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest

from taizhang.store import library_patches
from taizhang.store.library_patches import PATCHES, LibraryChanged, replace, restore

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ("taizhang", "api", "projections", "domain")


def _assignments_to_library_attributes() -> list[str]:
    """Every ``x.<name> = ...`` or ``setattr(x, "<name>", ...)`` of a replaced name."""
    found = []
    for top in RUNTIME:
        for path in (ROOT / top).rglob("*.py"):
            if path.name == "library_patches.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                targets: list[ast.expr] = []
                if isinstance(node, ast.Assign):
                    targets = node.targets
                elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                    targets = [node.target]
                for target in targets:
                    if isinstance(target, ast.Attribute) and target.attr in PATCHES:
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == "setattr"
                    and len(node.args) > 1
                    and isinstance(node.args[1], ast.Constant)
                    and node.args[1].value in PATCHES
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_only_the_one_module_replaces_library_attributes() -> None:
    assert _assignments_to_library_attributes() == []


def test_the_installed_libraries_are_the_releases_the_replacements_were_read_against() -> None:
    library_patches.check_versions.cache_clear()
    library_patches.check_versions()  # raises otherwise
    target = SimpleNamespace(insert_events="the library's")
    replace(target, "insert_events", "ours")
    assert target.insert_events == "ours"


def test_another_release_is_refused_naming_what_to_review(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(library_patches, "version", lambda package: "10.0.0")
    library_patches.check_versions.cache_clear()
    try:
        with pytest.raises(LibraryChanged, match="review insert_events, _check, get_connection"):
            replace(SimpleNamespace(insert_events=None), "insert_events", "ours")
    finally:
        library_patches.check_versions.cache_clear()


def test_an_attribute_the_library_no_longer_has_or_an_unknown_name_is_refused() -> None:
    with pytest.raises(LibraryChanged, match="has no 'get_connection'"):
        replace(SimpleNamespace(), "get_connection", lambda: None)
    with pytest.raises(ValueError, match="not a replacement"):
        replace(SimpleNamespace(save=None), "save", lambda: None)


def test_restore_shows_the_class_attribute_again() -> None:
    class Recorder:
        def insert_events(self) -> str:
            return "library"

    recorder = Recorder()
    replace(recorder, "insert_events", lambda: "ours")
    assert recorder.insert_events() == "ours"
    restore(recorder, "insert_events")
    assert recorder.insert_events() == "library"
