"""The pod template annotation that rolls a workload when any Secret value its pods read changes, for an agent's
Deployment and a pack's alike (launchpad/workloads/auth_token.py says why it is keyed)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from launchpad.workloads.auth_token import SECRET_DIGEST_ANNOTATION, secret_digest


def digest_annotation(key: pulumi.Output[str], owner: str, values: Mapping[str, pulumi.Input[str]]) -> dict[str, Any]:
    """{annotation: digest}: every value keyed-hashed inside the secret Output and only then made plain, so the
    pod template changes whenever a value does and nobody who reads it can test a guess of a value."""
    names = sorted(values)
    digest = pulumi.Output.all(key, *(values[n] for n in names)).apply(
        lambda found: secret_digest(found[0], owner, dict(zip(names, found[1:], strict=True)))
    )
    return {SECRET_DIGEST_ANNOTATION: pulumi.Output.unsecret(digest)}
