"""Errors of the REST API as RFC 9457 problem details (``application/problem+json``).

Every error answers one JSON object::

    type       https://gongji.dev/problems/<CODE>  (about:blank for plain HTTP errors: an unknown path, a wrong method)
    title      what kind of error, in Chinese and English ("业务拒绝 Refused")
    status     the HTTP status
    detail     the message in Chinese, for people
    detail_en  the same in English
    code       the stable refusal code client systems branch on (``QUOTA_EXHAUSTED``)
    params     the values the message was built from
    instance   the request's path
    errors     for a request that does not match the API: each field, where it is and what is wrong

The status follows the code's kind (``gongji.domain.errors.ErrorKind``):

    ====================================  ======  ==============================================================
    kind / code                           status  why
    ====================================  ======  ==============================================================
    INVALID_INPUT (a bad amount, an ID    400     the request is malformed; fix it and send it again
    number, a missing Idempotency-Key)
    REQUEST_INVALID (the body, path or    422     FastAPI/pydantic validation: the request does not match the
    query does not match the schema)              OpenAPI description
    API_TOKEN_MISSING, API_TOKEN_INVALID  401     no token, or not a valid one (``WWW-Authenticate: Bearer``)
    ROLE_NOT_ALLOWED, REGION_NOT_GRANTED, 403     authenticated, but the token may not touch this: another role,
    INSTITUTION_NOT_GRANTED,                      a region not granted, another institution's visit
    VISIT_OF_OTHER_INSTITUTION
    NOT_FOUND                             404     the person, relation, visit … does not exist
    CONFLICT (an Idempotency-Key reused   409     the request clashes with an earlier one
    for another request)
    REFUSED (every other business rule)   422     the request is understood and well-formed, and a rule says no;
                                                  nothing was written
    (a fault of gongji's)                 500     code INTERNAL_ERROR; the details are in the server's log
    ====================================  ======  ==============================================================

422 for refusals follows DESIGN.md ("REST answers 422 (or 409 for conflicts)"): the request is semantically
refused, not malformed. Clients tell a refusal from a validation error by ``code`` (``REQUEST_INVALID`` is the only
code of a validation error).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.status import (
    HTTP_204_NO_CONTENT,
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_405_METHOD_NOT_ALLOWED,
    HTTP_409_CONFLICT,
    HTTP_413_CONTENT_TOO_LARGE,
    HTTP_422_UNPROCESSABLE_CONTENT,
    HTTP_500_INTERNAL_SERVER_ERROR,
)

from gongji.api.rest.methods import allowed_methods
from gongji.domain.errors import ErrorCode, ErrorKind, GongjiError, InvalidInput

__all__ = [
    "IDEMPOTENCY_HEADER",
    "PROBLEM_JSON",
    "PROBLEM_RESPONSES",
    "PROBLEM_TYPE_BASE",
    "FieldProblem",
    "Problem",
    "install_problem_handlers",
    "problem_response",
    "status_of",
]

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_BASE = "https://gongji.dev/problems/"
IDEMPOTENCY_HEADER = "Idempotency-Key"

_STATUS_OF_KIND = {
    ErrorKind.INVALID_INPUT: HTTP_400_BAD_REQUEST,
    ErrorKind.NOT_FOUND: HTTP_404_NOT_FOUND,
    ErrorKind.REFUSED: HTTP_422_UNPROCESSABLE_CONTENT,
    ErrorKind.CONFLICT: HTTP_409_CONFLICT,
}
_STATUS_OF_CODE = {
    ErrorCode.REQUEST_INVALID: HTTP_422_UNPROCESSABLE_CONTENT,
    ErrorCode.REQUEST_BODY_TOO_LARGE: HTTP_413_CONTENT_TOO_LARGE,
    ErrorCode.API_TOKEN_MISSING: HTTP_401_UNAUTHORIZED,
    ErrorCode.API_TOKEN_INVALID: HTTP_401_UNAUTHORIZED,
    ErrorCode.ROLE_NOT_ALLOWED: HTTP_403_FORBIDDEN,
    ErrorCode.REGION_NOT_GRANTED: HTTP_403_FORBIDDEN,
    ErrorCode.INSTITUTION_NOT_GRANTED: HTTP_403_FORBIDDEN,
    ErrorCode.VISIT_OF_OTHER_INSTITUTION: HTTP_403_FORBIDDEN,
}
_TITLES = {
    HTTP_400_BAD_REQUEST: "请求无效 Invalid input",
    HTTP_401_UNAUTHORIZED: "未认证 Unauthenticated",
    HTTP_403_FORBIDDEN: "无权操作 Forbidden",
    HTTP_404_NOT_FOUND: "未找到 Not found",
    HTTP_405_METHOD_NOT_ALLOWED: "方法不允许 Method not allowed",
    HTTP_409_CONFLICT: "请求冲突 Conflict",
    HTTP_413_CONTENT_TOO_LARGE: "请求体过大 Content too large",
    HTTP_500_INTERNAL_SERVER_ERROR: "系统内部错误 Internal error",
}
#: The Chinese words of the plain HTTP errors the framework raises (an unknown path, a body that cannot be read).
_HTTP_DETAILS_ZH = {
    HTTP_400_BAD_REQUEST: "请求体无法解析",
    HTTP_404_NOT_FOUND: "没有这个地址",
    HTTP_405_METHOD_NOT_ALLOWED: "该地址不支持此请求方法",
}
_REFUSED_TITLE = "业务拒绝 Refused"
_INVALID_REQUEST_TITLE = "请求不符合接口定义 Request invalid"
#: How many field problems a validation error lists at most (a huge body must not make a huge answer).
_MAX_FIELD_PROBLEMS = 20


class FieldProblem(BaseModel):
    """One thing wrong with a request that does not match the API."""

    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details, with gongji's refusal code and the message in both languages."""

    type: str
    title: str
    status: int
    detail: str
    detail_en: str
    code: str
    params: dict[str, Any]
    instance: str | None = None
    errors: list[FieldProblem] | None = None


#: The error answers every REST route documents (``responses=`` of the routers).
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "model": Problem,
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for status, description in (
        (400, "请求无效 Invalid input (INVALID_INPUT codes, a missing or invalid Idempotency-Key)"),
        (401, "未认证 No token, or not a valid one"),
        (403, "无权操作 The token may not touch this (role, region, institution)"),
        (404, "未找到 Not found"),
        (409, "请求冲突 The Idempotency-Key was used for another request"),
        (422, "业务拒绝或请求不符合接口定义 Refused by a rule, or the request does not match the API"),
    )
}


def status_of(code: ErrorCode) -> int:
    """The HTTP status of an error code (see the module's table)."""
    return _STATUS_OF_CODE.get(code, _STATUS_OF_KIND[code.kind])


def _title(status: int) -> str:
    if status == HTTP_422_UNPROCESSABLE_CONTENT:
        return _REFUSED_TITLE
    return _TITLES.get(status, "错误 Error")


#: The response header that repeats a problem's code (for logs and metrics, and clients that read headers only).
CODE_HEADER = "x-gongji-code"


def _answer(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    if problem.code:
        headers = {**(headers or {}), CODE_HEADER: problem.code}
    return JSONResponse(
        jsonable_encoder(problem, exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def problem_response(
    error: GongjiError, instance: str | None = None, *, errors: Sequence[FieldProblem] | None = None
) -> JSONResponse:
    """The problem details of a deliberate error (its code decides the status; see :func:`status_of`)."""
    status = status_of(error.code)
    described = error.to_dict()
    problem = Problem(
        type=PROBLEM_TYPE_BASE + error.code.name,
        title=_INVALID_REQUEST_TITLE if error.code is ErrorCode.REQUEST_INVALID else _title(status),
        status=status,
        detail=error.message_zh,
        detail_en=error.message_en,
        code=error.code.name,
        params=described["params"],
        instance=instance,
        errors=list(errors) if errors is not None else None,
    )
    headers = {"WWW-Authenticate": 'Bearer realm="gongji"'} if status == HTTP_401_UNAUTHORIZED else None
    return _answer(problem, headers)


def _field_problems(exc: RequestValidationError) -> list[FieldProblem]:
    problems = []
    for error in list(exc.errors())[:_MAX_FIELD_PROBLEMS]:
        loc = [part if isinstance(part, int) else str(part) for part in error.get("loc", ())]
        problems.append(FieldProblem(loc=loc, msg=str(error.get("msg", "")), type=str(error.get("type", ""))))
    return problems


def _idempotency_problem(exc: RequestValidationError) -> GongjiError | None:
    """A missing or malformed Idempotency-Key is a 400 (as every write promises), not a schema mismatch."""
    for error in exc.errors():
        loc = [str(part).lower() for part in error.get("loc", ())]
        if loc[:2] == ["header", IDEMPOTENCY_HEADER.lower()]:
            code = ErrorCode.IDEMPOTENCY_KEY_MISSING if error.get("type") == "missing" else None
            return InvalidInput(code or ErrorCode.IDEMPOTENCY_KEY_INVALID)
    return None


def _validation_response(exc: RequestValidationError, instance: str) -> JSONResponse:
    keyed = _idempotency_problem(exc)
    if keyed is not None:
        return problem_response(keyed, instance)
    problems = _field_problems(exc)
    fields = ", ".join(".".join(str(part) for part in p.loc) for p in problems[:5]) or "-"
    error = InvalidInput(ErrorCode.REQUEST_INVALID, count=len(exc.errors()), fields=fields)
    return problem_response(error, instance, errors=problems)


def _http_problem(exc: StarletteHTTPException, instance: str) -> JSONResponse:
    status = exc.status_code
    detail = str(exc.detail)
    problem = Problem(
        type="about:blank",
        title=_TITLES.get(status, detail),
        status=status,
        detail=_HTTP_DETAILS_ZH.get(status, detail),
        detail_en=detail,
        code=f"HTTP_{status}",
        params={},
        instance=instance,
    )
    return _answer(problem, dict(exc.headers) if exc.headers else None)


def install_problem_handlers(app: FastAPI, prefix: str) -> None:
    """Answer errors under ``prefix`` as problem details; elsewhere FastAPI's own answers stay as they were.

    The handlers are the application's (FastAPI has no per-router handlers), so each looks at the path first.
    """

    def ours(request: Request) -> bool:
        path = request.url.path
        return path == prefix or path.startswith(prefix + "/")

    async def on_gongji_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, GongjiError)
        return problem_response(exc, request.url.path)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if not ours(request):
            return await request_validation_exception_handler(request, exc)
        return _validation_response(exc, request.url.path)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if not ours(request):
            return await http_exception_handler(request, exc)
        if exc.status_code == HTTP_405_METHOD_NOT_ALLOWED:  # the path is served, by other methods
            allow = ", ".join(allowed_methods(request.app, request.url.path))
            if request.method == "OPTIONS":
                return Response(status_code=HTTP_204_NO_CONTENT, headers={"Allow": allow})
            exc = StarletteHTTPException(exc.status_code, exc.detail, headers={"Allow": allow})
        return _http_problem(exc, request.url.path)

    async def on_fault(request: Request, exc: Exception) -> Response:
        if not ours(request):
            return PlainTextResponse("Internal Server Error", status_code=HTTP_500_INTERNAL_SERVER_ERROR)
        problem = Problem(
            type="about:blank",
            title=_TITLES[HTTP_500_INTERNAL_SERVER_ERROR],
            status=HTTP_500_INTERNAL_SERVER_ERROR,
            detail="系统内部错误，请稍后重试；写操作可用同一幂等键重发",
            detail_en="Internal error; try again later (a write may be resent with the same Idempotency-Key)",
            code="INTERNAL_ERROR",
            params={},
            instance=request.url.path,
        )
        return _answer(problem)

    app.add_exception_handler(GongjiError, on_gongji_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_fault)
