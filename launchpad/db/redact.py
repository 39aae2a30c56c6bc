"""Remove credentials from text before a user sees it: psycopg errors may quote the connection string."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# userinfo of any postgres:// or postgresql:// URL, and key=value passwords of libpq conninfo strings.
_URL_USERINFO = re.compile(r"(postgres(?:ql)?://)[^@/\s]*@", re.IGNORECASE)
_CONNINFO_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def redact(text: str, url: str | None = None) -> str:
    """`text` with URL credentials, conninfo passwords and (if known) the URL's password replaced by ***."""
    if url:
        password = _password_of(url)
        if password:
            text = text.replace(password, "***")
    text = _URL_USERINFO.sub(r"\1***@", text)
    return _CONNINFO_PASSWORD.sub(r"\1***", text)


def describe(url: str) -> str:
    """A safe label for a database URL: host, port and database only."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "local socket"
        port = f":{parts.port}" if parts.port else ""
        return f"{host}{port}{parts.path or ''}"
    except ValueError:
        return "the database"


def _password_of(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None
