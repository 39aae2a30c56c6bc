"""Reading a request body within the limits (services/api/limits.py): at most MAX_BODY_BYTES read off the
wire (413 beyond), JSON only, and a JSON shape no deeper, longer or wider than a real agent needs, each
excess named by its JSON pointer. Python's json parser recurses: a body of nested brackets is refused here
(RecursionError) before it can exhaust anything."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from services.api import limits
from services.api.errors import ApiError, Detail, validation_error

JSON_TYPES = ("application/json", "application/merge-patch+json")


async def read_json(request: Request) -> Any:
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media not in JSON_TYPES:
        raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE", "send the body as JSON: Content-Type: application/json")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limits.MAX_BODY_BYTES:
        raise _too_large()
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limits.MAX_BODY_BYTES:
            raise _too_large()
    try:
        value = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise validation_error([Detail("", "the body is not UTF-8 text")]) from None
    except RecursionError:
        raise validation_error([Detail("", f"the JSON is nested deeper than {limits.MAX_JSON_DEPTH} levels")]) from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise validation_error([Detail("", f"the body is not valid JSON: {exc.msg} at {where}")]) from None
    problems = list(_shape_problems(value, "", 0))
    if problems:
        raise validation_error(problems[:20])
    return value


def _too_large() -> ApiError:
    return ApiError(413, "PAYLOAD_TOO_LARGE", f"the body is larger than {limits.MAX_BODY_BYTES} bytes")


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _shape_problems(value: Any, pointer: str, depth: int) -> list[Detail]:
    if depth > limits.MAX_JSON_DEPTH:
        return [Detail(pointer, f"nested deeper than {limits.MAX_JSON_DEPTH} levels")]
    if isinstance(value, str):
        if len(value) > limits.MAX_STRING_CHARS:
            return [Detail(pointer, f"longer than {limits.MAX_STRING_CHARS} characters ({len(value)})")]
        return []
    found: list[Detail] = []
    if isinstance(value, list):
        if len(value) > limits.MAX_ARRAY_ITEMS:
            return [Detail(pointer, f"more than {limits.MAX_ARRAY_ITEMS} items ({len(value)})")]
        for index, item in enumerate(value):
            found += _shape_problems(item, f"{pointer}/{index}", depth + 1)
    elif isinstance(value, dict):
        if len(value) > limits.MAX_OBJECT_KEYS:
            return [Detail(pointer, f"more than {limits.MAX_OBJECT_KEYS} keys ({len(value)})")]
        for key, item in value.items():
            if len(key) > limits.MAX_STRING_CHARS:
                found.append(Detail(pointer, f"a key is longer than {limits.MAX_STRING_CHARS} characters"))
                continue
            found += _shape_problems(item, f"{pointer}/{_escape(key)}", depth + 1)
    return found
