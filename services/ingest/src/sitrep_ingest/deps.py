"""What a route needs from the app: the ingestor and the settings, and the API-key check.

Plain functions rather than FastAPI `Depends`: on the single-article hot path, dependency solving
cost more than validating and publishing the article (measured with py-spy under bench/ingest.py).
"""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request

from sitrep_ingest.ingestor import Ingestor
from sitrep_ingest.settings import IngestSettings


def ingestor_of(request: Request) -> Ingestor:
    return request.state.ingestor


def settings_of(request: Request) -> IngestSettings:
    return request.app.state.settings


def require_api_key(request: Request, settings: IngestSettings) -> None:
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
