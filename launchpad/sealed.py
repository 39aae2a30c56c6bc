"""Secret values users post to the control-plane API (an agent's `environment`, a database URL with its
password), sealed for the database: AES-256-GCM (`cryptography`'s AESGCM), a fresh 96-bit nonce per value,
and the owner, agent and variable name as associated data, so a ciphertext copied to another row (another
agent, another user, another variable) does not open.

The key is a stack config secret (`apiSecretsKey`: 32 random bytes, base64) that two parties hold: the API,
which seals what users post and never reads a value back, and the Pulumi program, which opens them into
Pulumi secrets for the agent's Kubernetes Secret. No database role the API or PostgREST uses may read a
ciphertext (supabase/migrations/20261207300000_api_agents.sql). docs/api/README.md, "Secrets", says why
here and not Supabase Vault or a Kubernetes Secret the API writes.

Rotation: a keyring is several keys, comma-separated, the first one sealing; each value names its key
(`key_id`, a digest of the key, never the key), so values sealed with an older key still open until they are
sealed again."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from launchpad.errors import UserError

KEY_BYTES = 32
NONCE_BYTES = 12
CONFIG_KEY = "apiSecretsKey"  # the stack config secret (`pulumi config set --secret apiSecretsKey ...`)
MAX_VALUE_BYTES = 16 * 1024  # a token or a URL: never more (the Kubernetes Secret holds 1 MiB in all)


class SealError(UserError):
    """A key that cannot seal (missing, malformed, too short) or a value that does not open."""

    code = "sealed_value"


@dataclass(frozen=True)
class SealKey:
    id: str  # 16 hex digits of a digest of the key: names it in the database without revealing it
    secret: bytes

    def __repr__(self) -> str:  # never the key, in a traceback or a log
        return f"SealKey(id={self.id!r})"


@dataclass(frozen=True)
class Keyring:
    keys: tuple[SealKey, ...]

    @property
    def current(self) -> SealKey:
        return self.keys[0]

    def find(self, key_id: str) -> SealKey | None:
        return next((k for k in self.keys if k.id == key_id), None)


def new_key() -> str:
    """A fresh key as the config holds it (what `openssl rand -base64 32` prints)."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def parse_keyring(text: str, where: str = CONFIG_KEY) -> Keyring:
    """Keys as base64 text, comma-separated, the first one sealing. Each must be exactly 32 bytes."""
    keys = []
    for index, part in enumerate(p.strip() for p in text.split(",")):
        try:
            raw = base64.b64decode(part, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != KEY_BYTES or len(set(raw)) < 8:
            raise SealError(
                f"{where}: key {index + 1} is not 32 random bytes in base64; make one with `openssl rand -base64 32`"
            )
        keys.append(SealKey(hashlib.sha256(b"launchpad-seal-key-id\0" + raw).hexdigest()[:16], raw))
    if not keys:
        raise SealError(f"{where}: no key; make one with `openssl rand -base64 32`")
    return Keyring(tuple(keys))


def binding(user_id: str, agent: str, env_name: str) -> bytes:
    """The associated data: what a ciphertext belongs to."""
    return f"launchpad-sealed/v1\0{user_id}\0{agent}\0{env_name}".encode()


def seal(key: SealKey, value: str, user_id: str, agent: str, env_name: str) -> bytes:
    data = value.encode()
    if len(data) > MAX_VALUE_BYTES:
        raise SealError(f"{env_name}: the value is longer than {MAX_VALUE_BYTES} bytes")
    nonce = os.urandom(NONCE_BYTES)
    sealed: bytes = AESGCM(key.secret).encrypt(nonce, data, binding(user_id, agent, env_name))
    return nonce + sealed


def unseal(keyring: Keyring, key_id: str, blob: bytes, user_id: str, agent: str, env_name: str) -> str:
    key = keyring.find(key_id)
    if key is None:
        raise SealError(
            f"api:{agent}: secret {env_name} was sealed with key {key_id}, which {CONFIG_KEY} no longer holds: "
            "add that key back after the current one, or have the owner post the value again"
        )
    try:
        aad = binding(user_id, agent, env_name)
        plain: bytes = AESGCM(key.secret).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
    except (InvalidTag, ValueError):
        raise SealError(f"api:{agent}: secret {env_name} does not open with key {key_id} (altered or moved)") from None
    return plain.decode()
