"""/api/operations/{id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.api.auth.dependencies import principal
from services.api.auth.principal import Principal
from services.api.database import Database
from services.api.openapi_docs import ERRORS
from services.api.operations import models, service

router = APIRouter(prefix="/api/operations", tags=["operations"], responses=ERRORS)


async def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


@router.get("/{operation_id}", response_model=models.Operation, summary="A change and what the engine did")
def get_operation(operation_id: str, who: Annotated[Principal, Depends(principal)],
                  db: Annotated[Database, Depends(database)]) -> models.Operation:
    return service.get_operation(db, who, operation_id)
