"""Recognising credentials that someone put where plain settings go. Used on agent files (env) here and by
the policy pack on rendered objects, so both gates agree on what 'looks like a credential' means."""

from __future__ import annotations

import re

# A name part that says "this is a credential": OPENAI_API_KEY, DISCORD_API_TOKEN, DB_PASSWORD, ...
CREDENTIAL_NAME = re.compile(
    r"(^|_)(API_?KEY|KEY|APIKEY|TOKEN|SECRET|SECRET_KEY|PASSWORD|PASSWD|PWD|CREDENTIALS?|PRIVATE_KEY|AUTH)(_|$)",
    re.IGNORECASE,
)

# Values that are credentials whatever they are called. Kept to well-known, specific formats so plain
# settings never trip them.
CREDENTIAL_VALUE_PATTERNS = {
    "an OpenAI/Anthropic-style API key": re.compile(r"\bsk-[A-Za-z0-9_-]{20,}"),
    "a Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "a GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"),
    # Long-term (AKIA) and temporary (ASIA) AWS access key ids: the secret half is useless without one.
    "an AWS access key id": re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    # Anchored at line ends (MULTILINE): a token on a line of its own inside a longer value is found too.
    "a Telegram bot token": re.compile(r"^\d{6,12}:[A-Za-z0-9_-]{30,}$", re.MULTILINE),
    "a Discord bot token": re.compile(r"^[MNO][A-Za-z\d_-]{23,27}\.[\w-]{6}\.[\w-]{27,}$", re.MULTILINE),
    "a JSON Web Token": re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+"),
    "a URL with a password": re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.MULTILINE),
    "a private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
}


def is_credential_name(name: str) -> bool:
    return bool(CREDENTIAL_NAME.search(name))


def credential_kind(value: str) -> str | None:
    """What kind of credential `value` looks like, or None. Never echo the value itself in a message."""
    for kind, pattern in CREDENTIAL_VALUE_PATTERNS.items():
        if pattern.search(value):
            return kind
    return None
