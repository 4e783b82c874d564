"""Sealed bids: AES-GCM with a random data key per tender, wrapped by the deployment's master key.

The master key comes from the environment (CIVICPACT_BID_MASTER_KEY, or a file named by ..._FILE). Each tender
gets its own 256-bit data key, stored only wrapped (encrypted) by the master key; bid contents are encrypted with
the tender's data key, bound to the tender, bid and version by the associated data, so a ciphertext cannot be
moved to another bid. Whoever holds the master key and the database can decrypt: keep the key out of the
database's backups and out of reach of database administrators (docs/sealed-bids.md; a backup archive carries the
keys only encrypted by a passphrase, docs/backup.md). The application itself decrypts only through the services'
`bid_contents` and `decrypt_current`, after the opening is recorded. Rotation: docs/keys.md.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12
KEY_BYTES = 32


class MasterKeyMissing(ImproperlyConfigured):
    """A tender's data key is wrapped by a master key this deployment is not configured with."""

    def __init__(self, tender_id: int, kid: str) -> None:
        super().__init__(
            f"tender {tender_id} is sealed under the master key {kid}, which is not configured "
            "(CIVICPACT_BID_MASTER_KEY or CIVICPACT_BID_MASTER_KEYS_RETIRED; docs/keys.md)"
        )
        self.tender_id, self.kid = tender_id, kid


class WrappedKeyDamaged(Exception):
    """A tender's wrapped data key does not decrypt under the master key whose fingerprint it carries."""

    def __init__(self, tender_id: int, kid: str) -> None:
        super().__init__(f"tender {tender_id}'s data key does not decrypt under the master key {kid}: it is damaged")
        self.tender_id, self.kid = tender_id, kid


def parse_key(text: str, name: str) -> bytes:
    """A master key from its base64 text; a malformed one is refused naming where it came from."""
    return _decode(text, name)


def _decode(text: str, name: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be base64 (for example: openssl rand -base64 32)") from None
    if len(key) != KEY_BYTES:
        raise ImproperlyConfigured(f"{name} must decode to {KEY_BYTES} bytes, not {len(key)}")
    return key


def key_id(key: bytes) -> str:
    """A short public fingerprint of a master key, stored beside each wrapped data key."""
    return hashlib.sha256(b"civicpact-bid-master-key" + key).hexdigest()[:16]


def current_master_key() -> tuple[str, bytes]:
    if not settings.CIVICPACT_BID_MASTER_KEY:
        raise ImproperlyConfigured("CIVICPACT_BID_MASTER_KEY is not set: bids cannot be sealed")
    key = _decode(settings.CIVICPACT_BID_MASTER_KEY, "CIVICPACT_BID_MASTER_KEY")
    return key_id(key), key


def master_keys() -> dict[str, bytes]:
    """The current key and every retired one, by fingerprint."""
    keys = dict([current_master_key()])
    for index, text in enumerate(settings.CIVICPACT_BID_MASTER_KEYS_RETIRED):
        key = _decode(text, f"CIVICPACT_BID_MASTER_KEYS_RETIRED[{index}]")
        keys[key_id(key)] = key
    return keys


def _encrypt(key: bytes, plain: bytes, aad: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plain, aad.encode())


def _decrypt(key: bytes, blob: bytes, aad: str) -> bytes:
    return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad.encode())


def new_data_key(tender_id: int) -> tuple[str, bytes]:
    """A fresh data key for a tender, wrapped by the current master key: (master key id, wrapped key)."""
    kid, master = current_master_key()
    return kid, _encrypt(master, AESGCM.generate_key(bit_length=256), f"tender:{tender_id}")


def rewrap(tender_id: int, kid: str, wrapped: bytes) -> tuple[str, bytes]:
    """The same data key wrapped by the current master key (key rotation)."""
    new_kid, master = current_master_key()
    return new_kid, _encrypt(master, unwrap(tender_id, kid, wrapped), f"tender:{tender_id}")


def unwrap(tender_id: int, kid: str, wrapped: bytes, keys: Mapping[str, bytes] | None = None) -> bytes:
    """A tender's data key, unwrapped by the configured master keys (or by `keys`, fingerprint -> key)."""
    keys = master_keys() if keys is None else keys
    if kid not in keys:
        raise MasterKeyMissing(tender_id, kid)
    try:
        return _decrypt(keys[kid], wrapped, f"tender:{tender_id}")
    except InvalidTag:
        raise WrappedKeyDamaged(tender_id, kid) from None


def bid_aad(tender_id: int, bid_id: int, number: int) -> str:
    return f"bid:{tender_id}:{bid_id}:{number}"


def seal(data_key: bytes, payload: dict[str, Any], aad: str) -> bytes:
    return _encrypt(data_key, json.dumps(payload, sort_keys=True).encode(), aad)


def unseal(data_key: bytes, blob: bytes, aad: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(_decrypt(data_key, blob, aad))
    return value


def receipt_hash(blob: bytes) -> str:
    """The bid's receipt: SHA-256 of the ciphertext, so a receipt proves the sealed bytes without revealing them."""
    return hashlib.sha256(blob).hexdigest()
