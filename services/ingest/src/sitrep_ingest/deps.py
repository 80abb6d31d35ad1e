"""Typed dependencies built from the app's lifespan state."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from sitrep_ingest.ingestor import Ingestor
from sitrep_ingest.settings import IngestSettings


def get_ingestor(request: Request) -> Ingestor:
    return request.state.ingestor


def get_settings(request: Request) -> IngestSettings:
    return request.app.state.settings


IngestorDep = Annotated[Ingestor, Depends(get_ingestor)]
SettingsDep = Annotated[IngestSettings, Depends(get_settings)]


def require_api_key(request: Request, settings: SettingsDep) -> None:
    """With API keys configured, write endpoints need `Authorization: Bearer <key>` (401 otherwise)."""
    keys = settings.ingest.api_keys
    if not keys:
        return
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    presented = token.strip().encode()
    # Compare against every key, always, so the time taken does not reveal which prefix matched.
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(presented, key.get_secret_value().encode())
    if scheme.lower() != "bearer" or not matched:
        raise HTTPException(401, "a valid API key is required: Authorization: Bearer <key>",
                            headers={"WWW-Authenticate": "Bearer"})
