"""``taizhang demo``: load the demo district (番禺区, the 2014 campaign by mid-June).

Also creates one API token per role for the demo and prints them (only their hashes are
stored, so they are shown once); a copy goes to ``<data dir>/demo-tokens.json`` (mode
0600) so that the operator of a local demo can find them again.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from taizhang.api.auth import TokenStore
from taizhang.config import Settings
from taizhang.demo import COMMITTEES, DEFAULT_BRANCHES, DEFAULT_SEED, DemoSummary, generate
from taizhang.domain.errors import DomainError
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from taizhang.private_files import write_private


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def _committees(value: str) -> int:
    number = _positive(value)
    if number > len(COMMITTEES):
        raise argparse.ArgumentTypeError(f"at most {len(COMMITTEES)} committees, got {number}")
    return number


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo", help="load the demo district (番禺区, 2014 campaign) and create demo tokens"
    )
    parser.add_argument(
        "--branches", type=_positive, default=DEFAULT_BRANCHES, help="number of branches"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument(
        "--committees",
        type=_committees,
        default=None,
        help=f"use only the first N of the district's {len(COMMITTEES)} committees",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument("--no-tokens", action="store_true", help="do not create demo tokens")
    parser.set_defaults(run=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    upgrade(settings)
    ledger = Ledger(settings)
    try:
        summary = generate(
            ledger,
            branches=args.branches,
            seed=args.seed,
            committees=args.committees,
            progress=not args.no_progress,
        )
    finally:
        ledger.close()
    if summary.already_loaded:
        print(
            f"taizhang: the demo district for seed {args.seed} ({summary.district_id}) is "
            "already loaded; nothing added. (If an earlier load was interrupted, load into a "
            "fresh database.)"
        )
        _point_to_tokens(settings)
        return 0
    print(
        f"taizhang: loaded 番禺区 with {len(summary.branch_ids)} branches: "
        f"{summary.events} events in {summary.seconds:.1f} s "
        f"({summary.events_per_second:.0f} events/s)"
    )
    print(f"  district  {summary.district_id}")
    print(f"  campaign  {summary.campaign_id}")
    if not args.no_tokens:
        _create_tokens(settings, summary, args.seed)
    return 0


def demo_token_specs(summary: DemoSummary, seed: int) -> list[dict[str, Any]]:
    """One token per role, scoped as the people who would hold it."""
    suffix = "" if seed == DEFAULT_SEED else f" (seed {seed})"
    district = summary.district_id
    group = summary.supervision_group_ids[0] if summary.supervision_group_ids else None
    return [
        {"name": f"demo-admin{suffix}", "role": "admin"},
        {"name": f"区委实践办 demo{suffix}", "role": "office", "district_id": district},
        {
            "name": f"{COMMITTEES[0].name} demo{suffix}",
            "role": "committee",
            "district_id": district,
            "committee_ids": list(summary.committee_ids[:1]),
        },
        {
            "name": f"区委第一督导组 demo{suffix}",
            "role": "supervisor",
            "district_id": district,
            "group_id": group,
        },
        {
            "name": f"番禺党建网 demo{suffix}",
            "role": "integrator",
            "source": "番禺党建网",
            "district_id": district,
            "committee_ids": list(summary.committee_ids),
        },
    ]


def _tokens_file(settings: Settings) -> Path:
    return Path(settings.data_dir) / "demo-tokens.json"


def _create_tokens(settings: Settings, summary: DemoSummary, seed: int) -> None:
    store = TokenStore(settings)
    created: list[dict[str, str]] = []
    try:
        for spec in demo_token_specs(summary, seed):
            try:
                token, credential = store.create(**spec)
            except DomainError as error:
                print(f"taizhang: demo token {spec['name']!r} not created: {error.message}")
                continue
            created.append({"role": credential.role, "name": credential.name, "token": token})
    finally:
        store.close()
    if not created:
        return
    print("\nDemo API tokens (send as `Authorization: Bearer <token>`; shown only now):")
    for entry in created:
        print(f"  {entry['role']:<11} {entry['token']}  {entry['name']}")
    path = _tokens_file(settings)
    text = json.dumps(
        {"district_id": str(summary.district_id), "tokens": created}, ensure_ascii=False, indent=2
    )
    write_private(path, text)
    print(f"  (also saved to {path}, readable only by you)")


def _point_to_tokens(settings: Settings) -> None:
    path = _tokens_file(settings)
    if path.exists():
        print(f"taizhang: the demo tokens are in {path}", file=sys.stderr)
    else:
        print("taizhang: create a token with `taizhang token create`", file=sys.stderr)
