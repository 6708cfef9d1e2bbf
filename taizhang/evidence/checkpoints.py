"""Signed checkpoints: the service signs the log's head (position, link, time) with Ed25519.

A checkpoint says "up to this position, the log's chain ends in this link". Whoever keeps
one outside the system (``taizhang checkpoint export``) can later prove that the log still
extends it (``taizhang verify --checkpoint``): the links are recomputed from the stored
bytes, so a log whose events and chain were rewritten together no longer reaches the signed
link. The signed bytes are ``message(position, link, signed_at)``; an exported checkpoint
carries the public key, whose fingerprint (``key_id``) the keeper notes when taking it.

The private key is ``TAIZHANG_CHECKPOINT_KEY`` (PEM, or the base64 of the key's 32 bytes),
else the PEM file ``TAIZHANG_CHECKPOINT_KEY_FILE`` (default in the data directory, made on
first use, owner only: a file others can read is refused). ops/README.md says how to make,
keep and rotate it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import stat
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from taizhang.config import DEFAULT_CHECKPOINT_KEY_FILENAME, Settings
from taizhang.evidence.chain import GENESIS
from taizhang.evidence.chain_store import ChainStore, Checkpoint
from taizhang.evidence.side_heads import heads_of, heads_text, read_heads
from taizhang.evidence.verify import check_range
from taizhang.private_files import write_private

log = logging.getLogger(__name__)

FORMAT = "taizhang-checkpoint-v1"
# A checkpoint that also signs the credential histories' heads (taizhang.evidence.side_heads).
FORMAT_V2 = "taizhang-checkpoint-v2"
# How often the checkpointer looks at the log's head: the minutes' bound is met to within it.
LOOK_SECONDS = 5.0


class CheckpointError(Exception):
    """A key or an exported checkpoint that cannot be used; the message says why."""


def message(position: int, link: bytes, signed_at: str, heads: str | None = None) -> bytes:
    """The bytes a checkpoint's signature is over: v1 the log's head, v2 also the
    credential histories' heads (canonical JSON, one line)."""
    if heads is None:
        return f"{FORMAT}\n{position}\n{link.hex()}\n{signed_at}\n".encode("ascii")
    return f"{FORMAT_V2}\n{position}\n{link.hex()}\n{signed_at}\n{heads}\n".encode("ascii")


def key_id(public_key: bytes) -> str:
    """A public key's fingerprint: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def public_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def pem_of(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def _parse_key(text: str, where: str) -> Ed25519PrivateKey:
    try:
        if "-----BEGIN" in text:
            key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        else:
            key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(text, validate=True))
    except (ValueError, TypeError, binascii.Error) as error:
        raise CheckpointError(f"{where}: not an Ed25519 private key ({error})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{where}: not an Ed25519 private key")
    return key


def key_file(settings: Settings) -> Path:
    return Path(
        settings.checkpoint_key_file
        or os.path.join(settings.data_dir, DEFAULT_CHECKPOINT_KEY_FILENAME)
    )


def load_key(settings: Settings, *, create: bool = True) -> Ed25519PrivateKey:
    """The signing key: the environment's, else the key file's (made when missing)."""
    if settings.checkpoint_key:
        return _parse_key(settings.checkpoint_key, "TAIZHANG_CHECKPOINT_KEY")
    path = key_file(settings)
    if not path.exists():
        if not create:
            raise CheckpointError(f"{path}: no checkpoint key")
        key = Ed25519PrivateKey.generate()
        write_private(path, pem_of(key))
        log.warning(
            "made a new checkpoint signing key %s (key id %s)", path, key_id(public_bytes(key))
        )
        return key
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise CheckpointError(
            f"{path}: the checkpoint key must be readable by its owner only (0600)"
        )
    return _parse_key(path.read_text(encoding="ascii"), str(path))


def now_text(now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def sign_head(
    store: ChainStore,
    key: Ed25519PrivateKey,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> Checkpoint | None:
    """Sign the chain's head and store the checkpoint (None: the log is empty); with
    ``settings``, the token history's and the accounts' heads too.

    Only a log that checks out is signed: the events since the last checkpoint (all of
    them, for the first) are checked against their links, from the signed link on, and the
    token history against its links."""
    head = store.head()
    if head is None:
        return None
    position, link = head
    last = latest(store)
    after, previous = (0, GENESIS) if last is None else (last.position, last.hash)
    finding = check_range(store, after, previous)
    if finding is not None:
        raise CheckpointError(f"the log does not check out, nothing signed: {finding}")
    heads = None
    if settings is not None:
        found, broken = read_heads(settings)
        if broken is not None:
            raise CheckpointError(f"the token history does not check out, nothing signed: {broken}")
        heads = heads_text(found)
    signed_at = now_text(now)
    checkpoint = Checkpoint(
        position=position,
        hash=link,
        signed_at=signed_at,
        public_key=public_bytes(key),
        signature=key.sign(message(position, link, signed_at, heads)),
        heads=heads,
    )
    store.add_checkpoint(checkpoint)
    return checkpoint


def latest(store: ChainStore) -> Checkpoint | None:
    found = store.checkpoints_list(newest=1)
    return found[-1] if found else None


def due(store: ChainStore, settings: Settings, now: datetime | None = None) -> bool:
    """Is the head to be signed: never signed, or enough events or minutes since the last?"""
    head = store.head()
    if head is None:
        return False
    last = latest(store)
    if last is None:
        return True
    if head[0] <= last.position:
        return False
    if head[0] - last.position >= settings.checkpoint_events:
        return True
    signed = datetime.strptime(last.signed_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return (now or datetime.now(UTC)) - signed >= timedelta(minutes=settings.checkpoint_minutes)


def as_document(checkpoint: Checkpoint) -> dict[str, Any]:
    """A checkpoint as published and exported: everything needed to check it offline."""
    document: dict[str, Any] = {
        "format": FORMAT if checkpoint.heads is None else FORMAT_V2,
        "position": checkpoint.position,
        "hash": checkpoint.hash.hex(),
        "signed_at": checkpoint.signed_at,
        "key_id": key_id(checkpoint.public_key),
        "public_key": base64.b64encode(checkpoint.public_key).decode("ascii"),
        "signature": base64.b64encode(checkpoint.signature).decode("ascii"),
    }
    if checkpoint.heads is not None:
        # Signed as this exact text; also given parsed, for reading.
        document["heads"] = checkpoint.heads
    return document


def from_document(document: Any) -> Checkpoint:
    """An exported checkpoint, its signature checked (raises ``CheckpointError``)."""
    try:
        if document.get("format") not in (FORMAT, FORMAT_V2):
            raise CheckpointError(f"not a {FORMAT} or {FORMAT_V2} document")
        heads = document.get("heads") if document["format"] == FORMAT_V2 else None
        if document["format"] == FORMAT_V2:
            heads_of(str(heads))  # raises on anything but heads
        checkpoint = Checkpoint(
            position=int(document["position"]),
            hash=bytes.fromhex(document["hash"]),
            signed_at=str(document["signed_at"]),
            public_key=base64.b64decode(document["public_key"], validate=True),
            signature=base64.b64decode(document["signature"], validate=True),
            heads=None if heads is None else str(heads),
        )
        public = Ed25519PublicKey.from_public_bytes(checkpoint.public_key)
    except (AttributeError, KeyError, TypeError, ValueError, binascii.Error) as error:
        raise CheckpointError(f"not a checkpoint: {error!r}") from None
    if document.get("key_id") not in (None, key_id(checkpoint.public_key)):
        raise CheckpointError("its key_id is not its public key's fingerprint")
    try:
        public.verify(
            checkpoint.signature,
            message(checkpoint.position, checkpoint.hash, checkpoint.signed_at, checkpoint.heads),
        )
    except InvalidSignature:
        raise CheckpointError("its signature does not hold: the checkpoint was altered") from None
    return checkpoint


def read_document(path: str | Path) -> Checkpoint:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CheckpointError(f"{path}: {error}") from None
    return from_document(document)


@dataclass(eq=False)
class Checkpointer:
    """Signs the head when due, in a thread of the process that runs the projections (one
    per deployment). Several signing at once is harmless: a position is stored once."""

    store: ChainStore
    settings: Settings
    key: Ed25519PrivateKey

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="checkpointer", daemon=True)

    def start(self) -> Checkpointer:
        self._thread.start()
        return self

    @classmethod
    def started(cls, store: ChainStore, settings: Settings) -> Checkpointer | None:
        """A running checkpointer, or None (logged) when the key cannot be used."""
        try:
            key = load_key(settings)
        except CheckpointError as error:
            log.error("no signed checkpoints: %s", error)
            return None
        return cls(store, settings, key).start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=LOOK_SECONDS * 2)

    def step(self, now: datetime | None = None) -> Checkpoint | None:
        if not due(self.store, self.settings, now):
            return None
        return sign_head(self.store, self.key, now, self.settings)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.step()
            except Exception as error:  # noqa: BLE001 - the next look tries again
                log.warning("checkpoint not signed: %r", error)
            self._stop.wait(LOOK_SECONDS)
