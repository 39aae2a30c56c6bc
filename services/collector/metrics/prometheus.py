"""Prometheus' HTTP API: an instant query (POST /api/v1/query), the result as (labels, value) pairs."""

from __future__ import annotations

import json
import math
import urllib.parse
import urllib.request
from typing import Any


class PrometheusError(Exception):
    pass


Series = list[tuple[dict[str, str], float]]


def instant_query(base_url: str, promql: str, at: float | None = None, timeout: float = 30.0) -> Series:
    params = {"query": promql} | ({"time": f"{at:.3f}"} if at is not None else {})
    request = urllib.request.Request(
        f"{base_url.rstrip('/')}/api/v1/query", data=urllib.parse.urlencode(params).encode(), method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body: dict[str, Any] = json.load(response)
    except (OSError, ValueError) as exc:
        raise PrometheusError(f"query failed: {exc}") from None
    if body.get("status") != "success":
        raise PrometheusError(f"{body.get('errorType')}: {body.get('error')}")
    data = body["data"]
    if data.get("resultType") != "vector":
        raise PrometheusError(f"expected a vector, got {data.get('resultType')}")
    out = []
    for series in data["result"]:
        value = float(series["value"][1])
        if math.isfinite(value):  # NaN (0/0) and Inf say nothing an owner can use
            out.append((series["metric"], value))
    return out
