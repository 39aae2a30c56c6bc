"""What the OpenAPI document says beyond what FastAPI reads off the routes: the error body every error has,
and the request bodies the endpoints read themselves (within the size limits, services/api/body.py) rather
than through FastAPI's parser. The document is committed (docs/api/openapi.json) and a test holds it to the
app's."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

REF = "#/components/schemas/{model}"


class ErrorDetail(BaseModel):
    pointer: str | None = None
    parameter: str | None = None
    message: str


class ErrorInfo(BaseModel):
    code: str
    message: str
    timestamp: str
    requestId: str
    details: list[ErrorDetail] | None = None


class ErrorBody(BaseModel):
    error: ErrorInfo


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "the request was refused: every problem with the JSON pointer of its field"),
        (401, "no valid Supabase access token"),
        (403, "not allowed, or over quota"),
        (404, "no such agent (or not yours)"),
        (409, "the name is taken, or the agent lives in git"),
        (412, "If-Match does not match the agent's ETag"),
        (429, "rate limited: see Retry-After"),
    )
}


def json_body(model: str, media: str = "application/json") -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {media: {"schema": {"$ref": REF.format(model=model)}}}}}


def install(app: FastAPI, bodies: list[type[BaseModel]]) -> None:
    """Add the request bodies' schemas to the document FastAPI generates."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, description=app.description,
                                   routes=app.routes)
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for model in bodies:
                schema = model.model_json_schema(ref_template=REF)
                schemas.update(schema.pop("$defs", {}))
                schemas[model.__name__] = schema
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
