"""Bad arguments to any command: one line on stderr naming what is wrong, exit code 2, never
a traceback, and never an empty report for a scope that does not exist."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from uuid import UUID, uuid4

import pytest

from taizhang.cli import main
from taizhang.config import Settings
from taizhang.demo import generate
from taizhang.ledger import Ledger


@dataclass(frozen=True)
class Demo:
    campaign: UUID
    district: UUID
    committee: UUID
    group: UUID


@pytest.fixture
def demo(sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Demo]:
    monkeypatch.setenv("TAIZHANG_DATABASE_URL", sqlite_settings.database_url)
    monkeypatch.setenv("TAIZHANG_DATA_DIR", sqlite_settings.data_dir)
    ledger = Ledger(sqlite_settings)
    try:
        summary = generate(ledger, branches=8, committees=3, progress=False)
    finally:
        ledger.close()
    yield Demo(
        summary.campaign_id,
        summary.district_id,
        summary.committee_ids[0],
        summary.supervision_group_ids[0],
    )


def _fails(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run the command; it must exit 2 with exactly one line on stderr, and print nothing."""
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's own checks end this way
        code = exit_.code  # type: ignore[assignment]
    out, err = capsys.readouterr()
    assert code == 2, (code, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def _report(demo: Demo, *more: str) -> list[str]:
    return ["report", "--campaign", str(demo.campaign), *more]


def test_report_with_an_unknown_campaign(demo: Demo, capsys: pytest.CaptureFixture[str]) -> None:
    unknown = uuid4()
    line = _fails(
        [
            "report",
            "--campaign",
            str(unknown),
            "--scope",
            f"district:{demo.district}",
            "--as-of-date",
            "2014-06-15",
        ],
        capsys,
    )
    assert line == f"taizhang report: there is no campaign {unknown}"


def test_report_with_a_time_without_a_zone(demo: Demo, capsys: pytest.CaptureFixture[str]) -> None:
    line = _fails(
        _report(demo, "--scope", f"district:{demo.district}", "--known-at", "2014-06-01T18:00"),
        capsys,
    )
    assert "--known-at" in line and "no time zone" in line


def test_report_with_the_known_at_example_of_its_help(
    demo: Demo, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo's events are recorded when it is loaded: by the help's example time nothing
    was, and the answer says so instead of a traceback."""
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    help_text = capsys.readouterr().out
    assert "2014-06-01T18:00+08:00" in help_text
    line = _fails(
        _report(
            demo, "--scope", f"district:{demo.district}", "--known-at", "2014-06-01T18:00+08:00"
        ),
        capsys,
    )
    assert line.startswith(f"taizhang report: campaign {demo.campaign} was recorded at ")
    assert "after --known-at 2014-06-01T18:00:00+08:00" in line


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("district:{unknown}", "there is no district {unknown}"),
        ("committee:{unknown}", "there is no committee {unknown}"),
        ("group:{unknown}", "there is no supervision group {unknown}"),
        # An id of another kind is no scope of this kind.
        ("committee:{district}", "there is no committee {district}"),
        ("group:{committee}", "there is no supervision group {committee}"),
        ("town:{district}", "expected district:ID, committee:ID or group:ID"),
        ("district:", "expected district:ID, committee:ID or group:ID"),
        ("district:nonsense", "not an id: 'nonsense'"),
    ],
)
def test_report_with_an_unknown_scope_is_an_error_not_an_empty_report(
    demo: Demo, capsys: pytest.CaptureFixture[str], scope: str, expected: str
) -> None:
    unknown = uuid4()
    ids = {"unknown": unknown, "district": demo.district, "committee": demo.committee}
    line = _fails(
        _report(demo, "--scope", scope.format(**ids), "--as-of-date", "2014-06-15"), capsys
    )
    assert expected.format(**ids) in line
    assert line.startswith("taizhang report: ")


def test_report_of_a_scope_in_another_district(
    demo: Demo, sqlite_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = Ledger(sqlite_settings)
    try:
        other = generate(ledger, branches=4, committees=2, seed=7, progress=False)
    finally:
        ledger.close()
    line = _fails(
        _report(demo, "--scope", f"district:{other.district_id}", "--as-of-date", "2014-06-15"),
        capsys,
    )
    assert line == (
        f"taizhang report: district {other.district_id} is not in the district of campaign "
        f"{demo.campaign}"
    )


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["report", "--campaign", "x", "--scope", "district:x", "--as-of-date", "2014-06-15"],
            "argument --campaign: not an id: 'x'",
        ),
        (
            [
                "report",
                "--campaign",
                str(uuid4()),
                "--scope",
                f"district:{uuid4()}",
                "--as-of-date",
                "2014-13-01",
            ],
            "argument --as-of-date: not a date YYYY-MM-DD",
        ),
        (["rebuild", "nonsense"], "taizhang rebuild: unknown projection(s) ['nonsense']"),
        (["migrate", "--revision", "nonsense"], "taizhang migrate: --revision nonsense:"),
        (
            ["token", "revoke", "nobody", "--reason", "x"],
            "taizhang token revoke: no token 'nobody'",
        ),
        (["serve", "--port", "70000"], "argument --port: a port is at most 65535"),
        (["serve", "--workers", "0"], "argument --workers: must be at least 1"),
        (["bench", "rebuild", "--events", "-5"], "argument --events: must be at least 1"),
        (["bench", "ingest", "--parts", "nonsense"], "bench ingest needs PostgreSQL"),
        (["nonsense"], "taizhang: argument COMMAND: invalid choice: 'nonsense'"),
    ],
)
def test_other_commands_name_the_bad_argument_in_one_line(
    demo: Demo, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    assert expected in _fails(argv, capsys)


def test_a_good_report_still_prints_its_json(
    demo: Demo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_report(demo, "--scope", f"group:{demo.group}", "--as-of-date", "2014-06-15")) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["scope"] == "group" and report["scope_id"] == str(demo.group)
    assert report["branches"] >= 1


def test_report_takes_a_business_date_a_knowledge_time_or_both(
    demo: Demo, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _fails(_report(demo, "--scope", f"district:{demo.district}"), capsys)
    assert "--as-of-date, --known-at or both" in line
    argv = _report(
        demo,
        "--scope",
        f"district:{demo.district}",
        "--as-of-date",
        "2014-05-01",
        "--known-at",
        "2999-01-01T00:00+08:00",
    )
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["business_date"] == "2014-05-01" and report["as_of"] == "2014-05-01"
    assert report["known_at"].startswith("2999-01-01")
