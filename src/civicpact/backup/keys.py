"""The bid master keys inside a backup archive: only ever encrypted, with a key derived from a passphrase.

scrypt (n=2^15, r=8, p=1: 32 MiB and a tenth of a second per try) derives a 256-bit key from
CIVICPACT_BACKUP_PASSPHRASE and a random salt; AES-256-GCM encrypts the keys, bound to the archive's backup id by
the associated data (the part cannot be moved into another archive). The parameters travel with the ciphertext,
so a later version can raise them and still read older archives. No Django here.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from civicpact.backup.exceptions import ArchiveDamaged, BackupRefused

MEMBER = "keys/bid-master-keys.json"
MIN_PASSPHRASE_LENGTH = 12
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
MAX_SCRYPT_N = 2**20  # what an archive may ask of this machine (1 GiB)
FORMAT = 1


@dataclass(frozen=True)
class MasterKeys:
    """The current bid master key and the retired ones, as configured (base64 text)."""

    current: str
    retired: tuple[str, ...] = ()


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise BackupRefused(
            f"CIVICPACT_BACKUP_PASSPHRASE is {len(passphrase)} characters: use at least {MIN_PASSPHRASE_LENGTH} "
            "(a few random words), or --without-keys to leave the keys out"
        )


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _aad(backup_id: str) -> bytes:
    return f"civicpact-backup-keys:{FORMAT}:{backup_id}".encode()


def seal(keys: MasterKeys, *, passphrase: str, backup_id: str) -> bytes:
    """The archive's key part: JSON holding the KDF parameters, the nonce and the ciphertext, never the keys."""
    check_passphrase(passphrase)
    salt, nonce = os.urandom(16), os.urandom(12)
    plain = json.dumps({"current": keys.current, "retired": list(keys.retired)}).encode("utf-8")
    box = AESGCM(_derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P))
    part = {
        "format": FORMAT,
        "cipher": "AES-256-GCM",
        "kdf": {"name": "scrypt", "salt": _b64(salt), "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P},
        "nonce": _b64(nonce),
        "ciphertext": _b64(box.encrypt(nonce, plain, _aad(backup_id))),
    }
    return json.dumps(part, indent=2).encode("utf-8")


def unseal(part: bytes, *, passphrase: str, backup_id: str) -> MasterKeys:
    """The keys from the archive's key part. A wrong passphrase is refused (exit 2); a malformed part is damage."""
    try:
        data: dict[str, Any] = json.loads(part)
        kdf = data["kdf"]
        n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        salt, nonce, ciphertext = (_unb64(kdf["salt"]), _unb64(data["nonce"]), _unb64(data["ciphertext"]))
        if data["format"] != FORMAT or kdf["name"] != "scrypt" or not 2 <= n <= MAX_SCRYPT_N or r * p > 64:
            raise ValueError("unknown format or parameters out of range")
    except (ValueError, KeyError, TypeError) as exc:
        raise ArchiveDamaged(f"{MEMBER} is damaged: {exc}") from None
    try:
        plain = AESGCM(_derive(passphrase, salt, n, r, p)).decrypt(nonce, ciphertext, _aad(backup_id))
    except InvalidTag:
        raise BackupRefused(
            f"CIVICPACT_BACKUP_PASSPHRASE does not open the bid master keys in this archive ({MEMBER}): "
            "set the passphrase the backup was made with"
        ) from None
    keys = json.loads(plain)
    return MasterKeys(current=keys["current"], retired=tuple(keys["retired"]))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)
