"""Kubernetes resource quantities (`500m`, `2Gi`, `1.5`), parsed the way the API server parses them, so a
value that validates here is accepted by the cluster and compared correctly against floors."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal(10**3),
    "M": Decimal(10**6),
    "G": Decimal(10**9),
    "T": Decimal(10**12),
    "P": Decimal(10**15),
    "E": Decimal(10**18),
}
_QUANTITY = re.compile(
    r"(?P<num>[0-9]+(\.[0-9]+)?|\.[0-9]+)(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?"
)


def parse_quantity(text: str) -> Decimal:
    """Value of a quantity in base units (cores or bytes). Raises ValueError with the accepted forms."""
    # The whole text, as written: it goes into the manifests as it is (`512Mi\n` would too).
    match = _QUANTITY.fullmatch(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"{text!r} is not a Kubernetes quantity (examples: 500m, 2, 512Mi, 2Gi)")
    try:
        number = Decimal(match["num"])
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only valid decimals
        raise ValueError(f"{text!r} is not a number") from exc
    suffix = match["suffix"] or ""
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    if suffix in _DECIMAL:
        return number * _DECIMAL[suffix]
    return number * (Decimal(10) ** int(suffix[1:]))  # exponent form, e.g. 1e3


def format_bytes(value: Decimal | int) -> str:
    """Human form for messages: 2147483648 -> '2Gi', 1600000000 -> '1.49Gi'."""
    gib = Decimal(value) / _BINARY["Gi"]
    if gib >= 1:
        text = f"{gib:.2f}".rstrip("0").rstrip(".")
        return f"{text}Gi"
    return f"{(Decimal(value) / _BINARY['Mi']):.0f}Mi"
