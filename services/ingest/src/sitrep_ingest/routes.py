"""HTTP routes: submit one article or a batch; health and readiness."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from sitrep_ingest import body
from sitrep_ingest.deps import ingestor_of, require_api_key, settings_of
from sitrep_ingest.ingestor import ItemResult
from sitrep_ingest.settings import IngestSettings
from sitrep_shared.kafka import BrokerUnavailable
from sitrep_shared.models import ArticleCreate

router = APIRouter()


class ArticleAccepted(BaseModel):
    id: str
    status: Literal["accepted", "duplicate"]


class BatchItemResult(BaseModel):
    index: int
    status: Literal["accepted", "duplicate", "invalid"]
    id: str | None = None
    errors: list[dict[str, Any]] | None = None


class BatchResult(BaseModel):
    accepted: int
    duplicate: int
    invalid: int
    results: list[BatchItemResult]


class Problem(BaseModel):
    detail: Any


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "API keys are configured and none valid was given."},
    413: {"model": Problem, "description": "Body over the size limit, or too many items."},
    415: {"model": Problem, "description": "Wrong content type."},
    422: {"model": Problem, "description": "Invalid article: `detail` lists field paths and reasons."},
    503: {"model": Problem, "description": "Broker unavailable; retry after `Retry-After` seconds."},
}


_ARTICLE_SCHEMA = ArticleCreate.model_json_schema()


def _unavailable(settings: IngestSettings, exc: BrokerUnavailable) -> HTTPException:
    return HTTPException(503, f"the broker did not acknowledge the write: {exc}",
                         headers={"Retry-After": str(settings.ingest.retry_after_seconds)})


@router.post(
    "/v1/articles", status_code=202, response_model=ArticleAccepted, responses=_ERRORS,
    summary="Submit one article",
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": _ARTICLE_SCHEMA}
    }}},
)
async def post_article(request: Request) -> ArticleAccepted:
    """Publish one article. 202 only once the broker has acknowledged the write (acks=all)."""
    settings, ingestor = settings_of(request), ingestor_of(request)
    require_api_key(request, settings)
    body.require_media_type(request, body.JSON_TYPES)
    raw_body = await body.read_limited(request, settings.ingest.max_body_bytes)
    item = body.valid_article(raw_body)
    try:
        (result,) = await ingestor.ingest([body.decode_json(raw_body) if item is None else item])
    except BrokerUnavailable as exc:
        raise _unavailable(settings, exc) from exc
    if result.status == "invalid":
        raise HTTPException(422, result.errors)
    assert result.id is not None
    return ArticleAccepted(id=result.id, status=result.status)


@router.post(
    "/v1/articles/batch", status_code=200, response_model=BatchResult, responses=_ERRORS,
    response_model_exclude_none=True,
    summary="Submit a batch of articles",
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": {"type": "array", "items": _ARTICLE_SCHEMA}},
        "application/x-ndjson": {"schema": {"type": "string"}},
    }}},
)
async def post_batch(request: Request) -> BatchResult:
    """A JSON array or NDJSON of articles: one result per item; valid items are published even when others are not."""
    return BatchResult.model_validate(await _batch(request))


async def _batch(request: Request) -> dict[str, Any]:
    """post_batch's work, answered as a plain dict (building response models per item cost more)."""
    settings, ingestor = settings_of(request), ingestor_of(request)
    require_api_key(request, settings)
    kind = body.require_media_type(request, body.JSON_TYPES + body.NDJSON_TYPES)
    raw_body = await body.read_limited(request, settings.ingest.max_body_bytes)
    items: Any
    if kind in body.JSON_TYPES:
        items = body.valid_articles(raw_body)
        if items is None:
            items = body.decode_json(raw_body)
        if not isinstance(items, list):
            raise HTTPException(422, [{"loc": ["body"], "msg": "expected a JSON array of articles",
                                       "type": "list_type"}])
    else:
        items = body.decode_ndjson(raw_body)
    limit = settings.ingest.max_batch_items
    if len(items) > limit:
        raise HTTPException(413, f"batch has {len(items)} articles; the limit is {limit}")
    ingestor.metrics.batch_size.observe(len(items))
    try:
        results = await ingestor.ingest(items)
    except BrokerUnavailable as exc:
        raise _unavailable(settings, exc) from exc
    return _summarise(results)


def _summarise(results: list[ItemResult]) -> dict[str, Any]:
    """The BatchResult document (None fields left out)."""
    counts: dict[str, Any] = {"accepted": 0, "duplicate": 0, "invalid": 0}
    for r in results:
        counts[r.status] += 1
    return {**counts, "results": [r.as_json() for r in results]}


@router.get("/healthz", summary="Alive")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Ready: the broker answers", responses={503: {"model": Problem}})
async def readyz(request: Request) -> Response:
    if await ingestor_of(request).publisher.ping():
        return JSONResponse({"status": "ready"})
    return JSONResponse({"status": "broker unreachable"}, status_code=503)


def _write_endpoints() -> dict[str, Callable[[Request], Awaitable[Response]]]:
    async def article(request: Request) -> Response:
        return JSONResponse((await post_article(request)).model_dump(), status_code=202)

    async def batch(request: Request) -> Response:
        return JSONResponse(await _batch(request))

    return {"/v1/articles": article, "/v1/articles/batch": batch}


class WritePath:
    """POSTs to the two write endpoints go straight to their handlers; all else to FastAPI's stack.

    FastAPI's middleware, routing and per-request machinery cost more than validating and publishing
    an article (py-spy under bench/ingest.py). The handlers are the same, and so are the answers:
    HTTPException becomes FastAPI's default error response, anything else a 500 that is re-raised
    for the server to log, as ServerErrorMiddleware does. The FastAPI routes stay registered behind
    this: they describe the endpoints in the OpenAPI document and serve any request not taken here.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        endpoints = _write_endpoints()
        self.endpoints: dict[str, tuple[APIRoute, Callable[[Request], Awaitable[Response]]]] = {
            route.path: (route, endpoints[route.path]) for route in router.routes
            if isinstance(route, APIRoute) and route.path in endpoints and "POST" in route.methods
        }
        assert self.endpoints.keys() == endpoints.keys()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self.endpoints.get(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        if found is None:
            await self.app(scope, receive, send)
            return
        scope["route"], endpoint = found  # as FastAPI's router would (the request timer labels by it)
        request = Request(scope, receive)
        try:
            response = await endpoint(request)
        except StarletteHTTPException as exc:
            response = await http_exception_handler(request, exc)
        except Exception:
            await PlainTextResponse("Internal Server Error", status_code=500)(scope, receive, send)
            raise
        await response(scope, receive, send)
