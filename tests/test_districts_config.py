"""The districts file (``TAIZHANG_DISTRICTS``, taizhang.districts) and the commands that use
it: a province's ledgers are checked whole before anything runs, and every one-ledger
command works on one district with ``taizhang --ledger KEY``."""

from __future__ import annotations

from typing import Any

import pytest

from taizhang.cli import main
from taizhang.config import ConfigurationError, Settings
from taizhang.districts import ledger_settings, ledgers_of, load_province, province_of

FILE = """
[province]
database_url = "sqlite:///{d}/province.sqlite"

[districts.panyu]
name = "番禺区"
database_url = "sqlite:///{d}/panyu.sqlite"

[districts.tianhe]
database_url = "sqlite:///{d}/tianhe.sqlite"
"""


def env(tmp_path: Any, text: str = FILE) -> dict[str, str]:
    path = tmp_path / "districts.toml"
    path.write_text(text.format(d=tmp_path), encoding="utf-8")
    return {
        "TAIZHANG_DATABASE_URL": f"sqlite:///{tmp_path}/one.sqlite",
        "TAIZHANG_DATA_DIR": str(tmp_path / "var"),
        "TAIZHANG_DISTRICTS": str(path),
    }


def test_without_the_file_the_service_is_its_one_ledger(tmp_path: Any) -> None:
    settings = Settings.from_env({"TAIZHANG_DATA_DIR": str(tmp_path)})
    assert settings.districts_file == ""
    assert load_province(settings) is None
    assert ledgers_of(settings) == (settings,)


def test_each_district_has_its_database_and_data_directory(tmp_path: Any) -> None:
    settings = Settings.from_env(env(tmp_path))
    province = load_province(settings)
    assert province is not None
    assert [d.key for d in province.districts] == ["panyu", "tianhe"]
    panyu = province.district("panyu")
    assert panyu is not None and panyu.name == "番禺区"
    assert panyu.settings.database_url == f"sqlite:///{tmp_path}/panyu.sqlite"
    assert panyu.settings.data_dir == str(tmp_path / "var" / "districts" / "panyu")
    assert panyu.settings.checkpoint_key_file.startswith(panyu.settings.data_dir)
    assert province.district("tianhe").name == "tianhe"  # type: ignore[union-attr]
    assert ledger_settings(settings, "tianhe").database_url.endswith("/tianhe.sqlite")
    assert len(ledgers_of(settings)) == 3


def test_a_ledger_reads_from_its_own_replica_or_none(tmp_path: Any) -> None:
    """A standby replays one primary: the service's replica is not a district's."""
    settings = Settings.from_env(
        {
            **env(tmp_path),
            "TAIZHANG_DATABASE_URL": "postgresql://tz@primary/one",
            "TAIZHANG_READ_REPLICA_URL": "postgresql://tz@standby/one",
        }
    )
    province = load_province(settings)
    assert province is not None
    assert all(d.settings.read_replica_url == "" for d in province.districts)
    named = FILE.replace(
        'database_url = "sqlite:///{d}/tianhe.sqlite"',
        'database_url = "postgresql://tz@db/tianhe"\nread_replica_url = "postgresql://tz@standby/tianhe"',
    )
    province = load_province(Settings.from_env(env(tmp_path, named)))
    assert province is not None
    tianhe = province.district("tianhe")
    assert tianhe is not None and tianhe.settings.read_replica_url.startswith(
        "postgresql://tz@standby"
    )
    assert tianhe.settings.read_replica_url.endswith("/tianhe")


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ({"districts": {"a": {"database_url": "sqlite:///a"}}}, "[province]"),
        ({"province": {"database_url": "sqlite:///p"}}, "at least one"),
        (
            {
                "province": {"database_url": "sqlite:///p"},
                "districts": {"Bad Key": {"database_url": "sqlite:///a"}},
            },
            "district key",
        ),
        (
            {
                "province": {"database_url": "sqlite:///p"},
                "districts": {
                    "a": {"database_url": "sqlite:///same"},
                    "b": {"database_url": "sqlite:///same"},
                },
            },
            "same database",
        ),
        (
            {
                "province": {"database_url": "sqlite:///p"},
                "districts": {"a": {"database_url": "mysql://x/y"}},
            },
            "districts.a",
        ),
        (
            {
                "province": {"database_url": "sqlite:///p"},
                "districts": {"a": {"database_url": "sqlite:///a", "schema": "x"}},
            },
            "unknown key",
        ),
    ],
)
def test_a_wrong_file_is_refused_naming_what_is_wrong(
    tmp_path: Any, document: dict[str, Any], words: str
) -> None:
    settings = Settings.from_env({"TAIZHANG_DATA_DIR": str(tmp_path)})
    with pytest.raises(ConfigurationError, match="TAIZHANG_DISTRICTS") as error:
        province_of(settings, document)
    assert words in str(error.value)


def test_commands_work_on_a_district_ledger_and_the_province(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in env(tmp_path).items():
        monkeypatch.setenv(name, value)
    assert main(["province", "migrate"]) == 0
    assert main(["province", "token", "--name", "省委组织部"]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("tz_")
    assert main(["--ledger", "panyu", "token", "create", "--name", "admin", "--role", "admin"]) == 0
    assert main(["--ledger", "panyu", "token", "list"]) == 0
    listed = capsys.readouterr().out
    assert "admin" in listed and "省委组织部" not in listed
    assert main(["--ledger", "nowhere", "token", "list"]) == 2
    assert "no district 'nowhere'" in capsys.readouterr().err
    # A one-ledger command on a province names its ledger.
    assert main(["token", "list"]) == 2
    assert "--ledger KEY" in capsys.readouterr().err
    assert main(["province", "districts"]) == 0
    assert "panyu\t番禺区" in capsys.readouterr().out
