"""The web application: the national interface, gongji's own REST API (/api/v1), the portal (/portal), the health
check and the metrics, on one gongji context."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from gongji.api.docs import mount_docs
from gongji.api.fsi.router import FSI_PATH, FsiService
from gongji.api.limits import Answer, BodyLimit, BodyLimitMiddleware, Limit
from gongji.api.observability import Metrics, configure_access_log, http_observer
from gongji.api.portal import PORTAL_PREFIX
from gongji.api.portal import mount as mount_portal
from gongji.api.portal.otp import CodeSender
from gongji.api.rest import API_PREFIX as REST_PREFIX
from gongji.api.rest import mount as mount_rest
from gongji.api.rest.problems import CODE_HEADER, PROBLEM_JSON, problem_response
from gongji.bootstrap import Settings, build_context
from gongji.domain.errors import ErrorCode, InvalidInput
from gongji.service.context import Context

__all__ = ["create_app"]

fsi_router = APIRouter(tags=["national interface 国家医保接口"])


async def _call(request: Request, infno: str | None) -> Response:
    body = await request.body()
    service: FsiService = request.app.state.fsi
    status, content, media_type = await run_in_threadpool(service.handle, body, dict(request.headers), infno)
    return Response(content=content, status_code=status, media_type=media_type)


@fsi_router.post(FSI_PATH, summary="国家医保定点医药机构接口（交易编号在报文中）")
async def call_service(request: Request) -> Response:
    """The national interface; the transaction is the body's ``infno``."""
    return await _call(request, None)


@fsi_router.post(FSI_PATH + "/{infno:path}", summary="国家医保定点医药机构接口（交易编号在路径中）")
async def call_service_infno(request: Request, infno: str) -> Response:
    """The same, as gateways that append the transaction code to the path call it."""
    return await _call(request, infno)


def _body_limits(settings: Settings, fsi: FsiService) -> BodyLimit:
    """Each interface's largest body (from the settings) and its answer to a larger one."""

    def national(limit: int, scope: dict[str, Any]) -> Answer:
        tail = scope["path"].removeprefix(FSI_PATH).strip("/")
        return Answer(413, "application/json; charset=utf-8", fsi.too_large(limit, tail or None))

    def rest(limit: int, scope: dict[str, Any]) -> Answer:
        problem = problem_response(InvalidInput(ErrorCode.REQUEST_BODY_TOO_LARGE, limit=limit), scope["path"])
        return Answer(problem.status_code, PROBLEM_JSON, bytes(problem.body))

    def page(limit: int, scope: dict[str, Any]) -> Answer:
        text = (
            f"<!doctype html><title>413</title><p>请求过大（上限 {limit} 字节）</p>"
            f"<p>Request too large (at most {limit} bytes)</p>"
        )
        return Answer(413, "text/html; charset=utf-8", text.encode("utf-8"))

    return BodyLimit(
        [
            Limit(FSI_PATH, settings.max_body_fsi, national),
            Limit(REST_PREFIX, settings.max_body_api, rest),
        ],
        default=Limit("/", settings.max_body_portal, page),
    )


def create_app(
    ctx: Context | None = None, *, settings: Settings | None = None, code_sender: CodeSender | None = None
) -> FastAPI:
    """Build the application on ``ctx`` (or on a context built from ``settings`` / the environment); the portal's
    sign-in codes go through ``code_sender`` (default: printed on the console, for the demo)."""
    configure_access_log()  # here, not in `gongji serve`: each uvicorn worker process builds its own app
    settings = settings or Settings()
    ctx = ctx or build_context(settings)
    federation = settings.federation()
    if federation is not None and ctx.nodes is None:  # a context made apart from the settings (tests, tools)
        ctx = replace(ctx, nodes=federation)
    app = FastAPI(
        title="gongji 共济",
        summary="职工医保个人账户家庭共济 — family mutual aid on medical-insurance personal accounts",
        version="0.1.0",
        docs_url=None,  # /docs is served from vendored files (mount_docs), never from a CDN
        redoc_url=None,  # ReDoc would load from a CDN too; /docs describes the same API
    )
    metrics = Metrics()
    metrics.watch_wallets(lambda: ctx.read(lambda uow: uow.wallets.counts_by_status()))
    app.state.ctx = ctx
    app.state.metrics = metrics
    app.state.fsi = FsiService(ctx, metrics, region=settings.region)
    if federation is not None:  # a node of a federation (gongji.federation): other provinces' patients go to theirs
        from gongji.federation.node import join_federation

        join_federation(app, app.state.fsi, federation)
        metrics.watch_outbox(lambda: ctx.read(lambda uow: uow.outbox.lag()))
    app.state.analytics_dir = settings.analytics_dir
    app.include_router(fsi_router)
    mount_rest(app)
    mount_portal(app, secret_key=settings.secret_key, code_sender=code_sender)
    mount_docs(app)

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        """The server's address leads to the portal, where people and counter staff sign in."""
        return RedirectResponse(PORTAL_PREFIX, status_code=307)

    app.add_middleware(BodyLimitMiddleware, limits=_body_limits(settings, app.state.fsi))

    # Every /api/v1 and portal request counted, timed and logged (one line: method, route, status, refusal code).
    app.middleware("http")(http_observer(metrics, {REST_PREFIX: "rest", PORTAL_PREFIX: "portal"}, CODE_HEADER))

    @app.get("/healthz", tags=["operations 运维"], summary="健康检查 Health check")
    async def healthz() -> JSONResponse:
        """200 when the database answers, 503 when it does not."""
        try:
            await run_in_threadpool(ctx.read, lambda uow: uow.idempotency.get("healthz"))
        except Exception as exc:  # the check reports any failure of the database, whatever it is
            return JSONResponse({"status": "unavailable", "error": type(exc).__name__}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get("/metrics", tags=["operations 运维"], summary="Prometheus metrics")
    async def prometheus(request: Request) -> Response:
        """Requests, latency, settlements, refusals by code and wallet transfers by status, in Prometheus' text
        format."""
        registry = request.app.state.metrics.registry
        # In a thread: the wallet's counts are read from the database at each scrape.
        return Response(await run_in_threadpool(generate_latest, registry), media_type=CONTENT_TYPE_LATEST)

    return app
