"""Remove credentials from text before a user sees it, and name a database without them.

A database URL reaches us in either of libpq's two forms, `postgresql://user:pw@host/db?...` or
`host=... password=... dbname=...` (`--database-url`, `DATABASE_URL`): both are parsed with libpq's own parser
(psycopg.conninfo.conninfo_to_dict), so a password is found wherever libpq would find one (userinfo, a
`password=` query parameter, a quoted conninfo value) and never printed, whatever form the user chose."""

from __future__ import annotations

import re

# userinfo of any postgres:// or postgresql:// URL, `password=` in a URL query, and key=value passwords of libpq
# conninfo strings (quoted or not), wherever they appear in a message (psycopg's errors may quote them).
_URL_USERINFO = re.compile(r"(postgres(?:ql)?://)[^@/\s]*@", re.IGNORECASE)
_QUERY_PASSWORD = re.compile(r"([?&]password=)[^&\s]*", re.IGNORECASE)
_CONNINFO_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def _parts(url: str) -> dict[str, str] | None:
    """libpq's reading of `url` (either form), or None when libpq cannot read it."""
    from psycopg import Error
    from psycopg.conninfo import conninfo_to_dict

    try:
        return {k: str(v) for k, v in conninfo_to_dict(url).items() if v is not None}
    except (Error, ValueError, TypeError):
        return None


def redact(text: str, url: str | None = None) -> str:
    """`text` without the URL's password (if `url` is known), URL credentials or conninfo passwords; the URL
    itself, should it appear whole, becomes its safe description."""
    if url:
        if url in text:
            text = text.replace(url, describe(url))
        password = (_parts(url) or {}).get("password")
        if password:
            text = text.replace(password, "***")
    text = _URL_USERINFO.sub(r"\1***@", text)
    text = _QUERY_PASSWORD.sub(r"\1***", text)
    return _CONNINFO_PASSWORD.sub(r"\1***", text)


def describe(url: str) -> str:
    """A safe label for a database URL in either form: host, port and database only."""
    parts = _parts(url)
    if parts is None:
        return "the database (its URL could not be read)"
    host = parts.get("host") or parts.get("hostaddr") or "local socket"
    port = f":{parts['port']}" if parts.get("port") else ""
    database = f"/{parts['dbname']}" if parts.get("dbname") else ""
    return redact(f"{host}{port}{database}")
