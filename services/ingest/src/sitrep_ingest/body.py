"""Reading request bodies with the checks FastAPI's body parameters would not give us: 413 and 415."""

from __future__ import annotations

import json
from typing import Any

from fastapi import HTTPException, Request
from pydantic import TypeAdapter, ValidationError
from starlette.requests import ClientDisconnect

from sitrep_ingest.ingestor import Unparseable
from sitrep_shared.models import ArticleCreate

JSON_TYPES = ("application/json",)
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")

_ARTICLE = TypeAdapter(ArticleCreate)
_ARTICLES = TypeAdapter(list[ArticleCreate])


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_limited(request: Request, limit: int) -> bytes:
    """The whole body, or 413 as soon as it is known to be over `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"request body is {declared} bytes; the limit is {limit}")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise HTTPException(413, f"request body is over the limit of {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect as exc:
        # Nobody is left to read the answer; this only ends the request without an error log.
        raise HTTPException(400, "client disconnected before sending the whole body") from exc
    return b"".join(chunks)


def require_media_type(request: Request, allowed: tuple[str, ...]) -> str:
    kind = media_type(request)
    if kind not in allowed:
        raise HTTPException(
            415, f"content-type must be one of {', '.join(allowed)}; got {kind or 'none'}"
        )
    return kind


def valid_article(body: bytes) -> ArticleCreate | None:
    """The article, when the body is one valid article; else None.

    Parsing and validating in one step is the fast path for good input. On None the caller decodes
    and validates separately, which words the errors as the API documents them.
    """
    try:
        return _ARTICLE.validate_json(body)
    except ValidationError:
        return None


def valid_articles(body: bytes) -> list[ArticleCreate] | None:
    """The articles, when the body is a JSON array of valid articles only; else None (see valid_article)."""
    try:
        return _ARTICLES.validate_json(body)
    except ValidationError:
        return None


def decode_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HTTPException(
            422, [{"loc": ["body"], "msg": f"body is not valid JSON: {exc}", "type": "json_invalid"}]
        ) from exc


def decode_ndjson(body: bytes) -> list[Any]:
    """One JSON value per non-blank line; a broken line becomes an error marker for that item."""
    items: list[Any] = []
    for number, line in enumerate(body.splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            items.append(Unparseable(f"line {number} is not valid JSON: {exc}"))
    return items
