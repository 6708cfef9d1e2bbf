"""Reports carry their evidence: the log position they were built from, the chain's link
there, the first signed checkpoint covering it and a digest of their content, so that a
supervision group can check a kept report against the log later (`taizhang verify --report
FILE`). On both databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from taizhang.cli import main
from taizhang.commands.evidence import verify_log
from taizhang.evidence.checkpoints import load_key, sign_head
from taizhang.evidence.report_evidence import check
from taizhang.ledger import Ledger
from taizhang.projections.export import workbook_evidence
from tests.api.conftest import TODAY, Api
from tests.api.test_views import catch_up, work


def _listed(api: Api) -> None:
    api.ok(
        api.event(
            work(api) + "/problems",
            None,
            {
                "category": "four_winds",
                "description": "会议多",
                "measures": "精简会议",
                "responsible_person": "P000101",
                "deadline": (TODAY + timedelta(days=5)).isoformat(),
            },
        )
    )
    catch_up(api)


def _workbook(api: Api) -> bytes:
    response = api.get(f"/api/v1/campaigns/{api.ids['campaign']}/problems.xlsx")
    assert response.status_code == 200, response.get_data()[:300]
    data: bytes = response.data
    return data


def _checked(api: Api, evidence: dict[str, Any], content: Any) -> str | None:
    ledger = Ledger(api.app.extensions["taizhang"].settings)
    try:
        signed = evidence.get("checkpoint") or {}
        at = [evidence["position"], *([signed["position"]] if signed else [])]
        walked, finding = verify_log(ledger, [], progress=False, positions=at)
        assert finding is None
        return check(walked, evidence, content)
    finally:
        ledger.close()


def test_a_workbook_names_the_log_it_was_built_from_and_a_signed_checkpoint(api: Api) -> None:
    """Issue 19: "an as-of report carries the checkpoint it was computed from and a digest
    of its content; the same request over the same log gives the same bytes"."""
    _listed(api)
    rt = api.app.extensions["taizhang"]
    store = rt.ledger.chain_store()
    unsigned, _ = workbook_evidence(_workbook(api))
    assert unsigned["checkpoint"] is None  # nothing signed yet: said so, not made up
    signed = sign_head(store, load_key(rt.settings))
    assert signed is not None
    evidence, content = workbook_evidence(_workbook(api))
    position = rt.views.positions()["progress"]
    assert evidence["position"] == position > 0
    assert evidence["hash"] == store.link_at(position).hex()
    assert evidence["checkpoint"]["position"] == signed.position >= position
    assert any("会议多" in line for line in content)
    assert _checked(api, evidence, content) is None
    # The same request over the same log: the same evidence and content.
    again = workbook_evidence(_workbook(api))
    assert again == (evidence, content)
    # A changed cell, a forged link, an altered checkpoint: each is named.
    changed = [list(line) for line in content]
    changed[3][3] = "会议少"
    assert "content" in str(_checked(api, evidence, changed))
    forged = {**evidence, "hash": "00" * 32}
    assert "not the log the report was built from" in str(_checked(api, forged, content))
    altered = {**evidence, "checkpoint": {**evidence["checkpoint"], "signed_at": "2000-01-01"}}
    assert "signature does not hold" in str(_checked(api, altered, content))


def test_verify_report_checks_a_kept_workbook_and_json_against_the_log(
    api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    _listed(api)
    settings = api.app.extensions["taizhang"].settings
    monkeypatch.setenv("TAIZHANG_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TAIZHANG_DATA_DIR", settings.data_dir)
    assert main(["checkpoint", "sign"]) == 0
    kept = tmp_path / "problems.xlsx"
    kept.write_bytes(_workbook(api))
    capsys.readouterr()
    assert main(["verify", "--quiet", "--report", str(kept)]) == 0
    assert json.loads(capsys.readouterr().out)["reports"] == [str(kept)]
    # `taizhang report`'s JSON carries its evidence too, and the same report is the same
    # bytes; edited, it no longer holds.
    report = ["report", "--campaign", str(api.ids["campaign"]), "--scope"]
    report += [f"district:{api.ids['district']}", "--known-at", datetime.now(UTC).isoformat()]
    assert main(report) == 0
    printed = capsys.readouterr().out
    assert main(report) == 0 and capsys.readouterr().out == printed
    document = json.loads(printed)
    assert document["evidence"]["position"] == document["log_position"] > 0
    kept_json = tmp_path / "report.json"
    kept_json.write_text(printed, encoding="utf-8")
    assert main(["verify", "--quiet", "--report", str(kept_json)]) == 0
    document["business_date"] = "2000-01-01"
    kept_json.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    assert main(["verify", "--quiet", "--report", str(kept_json)]) == 1
    assert "content" in capsys.readouterr().err
