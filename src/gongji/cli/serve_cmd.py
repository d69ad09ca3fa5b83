"""``gongji serve``: the web application under uvicorn, with the wallet's background job (``gongji his-sim``, a hospital
system driving it, is :mod:`gongji.cli.his_sim_cmd`).

The job: every ``GONGJI_WALLET_JOB_INTERVAL_S`` seconds (60 unless set; 0 turns it off) each worker returns the wallet
transfers nobody accepted in time and hands undelivered notifications to the notifier (``GONGJI_NOTIFIER``: ``log``,
or ``console``, which ``--demo`` chooses). It holds nothing but the database: both steps are idempotent and safe to
run from every worker and a cron ``gongji wallet return-due`` at once, so no worker is special and a restart loses
nothing.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gongji.domain.errors import ErrorCode, InvalidInput
from gongji.domain.identity import mask_id_number

from .common import command_name, guard, new_key, run, settings
from .output import console, table

if TYPE_CHECKING:
    from fastapi import FastAPI

    from gongji.service.context import Context
    from gongji.service.notices import Notifier

__all__ = [
    "NOTIFIER_ENV",
    "SERVED_APP",
    "START_JITTER_S",
    "WALLET_JOB_INTERVAL_ENV",
    "notifier_choice",
    "serve",
    "served_app",
    "wallet_job_interval_s",
    "wallet_job_round",
    "with_wallet_job",
]

#: Seconds between two runs of the wallet's job in each worker; 0 turns the job off.
WALLET_JOB_INTERVAL_ENV = "GONGJI_WALLET_JOB_INTERVAL_S"
DEFAULT_WALLET_JOB_INTERVAL_S = 60
#: The longest interval: transfers fall due every morning, so a job run less than daily would return them late.
MAX_WALLET_JOB_INTERVAL_S = 86_400
#: The first run waits a random moment up to this long (or the interval, if shorter), so that workers started
#: together do not all deliver the same notifications at once (delivery is at least once).
START_JITTER_S = 5.0
#: Where the job sends notifications: ``log`` (kind and recipient id in the log) or ``console`` (the demo's).
NOTIFIER_ENV = "GONGJI_NOTIFIER"
_NOTIFIERS = ("log", "console")
#: The application factory uvicorn runs in each worker: the web application with the wallet's job.
SERVED_APP = "gongji.cli.serve_cmd:served_app"

_log = logging.getLogger("gongji.jobs")


def wallet_job_interval_s(environ: Mapping[str, str] = os.environ) -> int:
    """The job's interval from :data:`WALLET_JOB_INTERVAL_ENV`; ``FIELD_INVALID`` unless a whole number ≥ 0."""
    text = environ.get(WALLET_JOB_INTERVAL_ENV, str(DEFAULT_WALLET_JOB_INTERVAL_S)).strip()
    if not (text.isascii() and text.isdigit() and int(text) <= MAX_WALLET_JOB_INTERVAL_S):
        raise InvalidInput(
            ErrorCode.FIELD_INVALID,
            field=WALLET_JOB_INTERVAL_ENV,
            reason_zh=f"“{text}”不是 0 至 {MAX_WALLET_JOB_INTERVAL_S} 的整数秒（0 表示不运行）",
            reason_en=f"'{text}' is not a whole number of seconds from 0 to {MAX_WALLET_JOB_INTERVAL_S} (0: no job)",
        )
    return int(text)


def notifier_choice(environ: Mapping[str, str] = os.environ) -> str:
    """The notifier named by :data:`NOTIFIER_ENV` (``log`` unless set); ``FIELD_INVALID`` for another name."""
    name = environ.get(NOTIFIER_ENV, "log").strip().lower()
    if name not in _NOTIFIERS:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID,
            field=NOTIFIER_ENV,
            reason_zh=f"“{name}”不是可用的通知方式（{'、'.join(_NOTIFIERS)}）",
            reason_en=f"'{name}' is not a notifier gongji has ({', '.join(_NOTIFIERS)})",
        )
    return name


def wallet_job_round(ctx: Context, notifier: Notifier) -> None:
    """One run of the job: return what is due, then deliver notifications (those of the returns among them). A
    failure of one step is logged and does not stop the other; the next run tries again."""
    from gongji.service.notices import deliver
    from gongji.service.wallet import return_due

    try:
        returned = return_due(ctx)
        if returned.returned:
            _log.info("wallet job: %d transfer(s) returned, %d fen", returned.returned, returned.amount_fen)
    except Exception:
        _log.exception("wallet job: returning due transfers failed; trying again at the next run")
    try:
        sent = deliver(ctx, notifier)
        if sent:
            _log.info("wallet job: %d notification(s) delivered", sent)
    except Exception:
        _log.exception("wallet job: delivering notifications failed; trying again at the next run")


async def _run_wallet_job(ctx: Context, notifier: Notifier, interval_s: int, start_jitter_s: float) -> None:
    """Run a round soon after startup (what fell due while the server was down: after a random wait of at most
    ``start_jitter_s``), then every ``interval_s`` seconds. A round runs in a worker thread: the use cases are
    synchronous and must not hold up requests."""
    import asyncio
    import random

    import anyio.to_thread

    await asyncio.sleep(random.uniform(0, min(start_jitter_s, interval_s)))
    while True:
        await anyio.to_thread.run_sync(wallet_job_round, ctx, notifier)
        await asyncio.sleep(interval_s)


def with_wallet_job(
    app: FastAPI, interval_s: int, notifier: Notifier, *, start_jitter_s: float = START_JITTER_S
) -> FastAPI:
    """``app`` with the wallet's job running through its lifespan (started after the application's own startup,
    stopped before its shutdown, waiting for a round in progress); ``interval_s`` 0 leaves ``app`` as it is."""
    if interval_s <= 0:
        return app
    import asyncio  # here: `gongji --help` loads no event loop

    ctx: Context = app.state.ctx
    inner: Callable[[Any], Any] = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(served: Any) -> AsyncIterator[Any]:
        async with inner(served) as state:
            job = asyncio.get_running_loop().create_task(_run_wallet_job(ctx, notifier, interval_s, start_jitter_s))
            try:
                yield state
            finally:
                job.cancel()
                with suppress(asyncio.CancelledError):
                    await job

    app.router.lifespan_context = lifespan
    return app


def served_app() -> FastAPI:
    """What uvicorn runs in each worker of ``gongji serve``: the application of the environment's settings, with the
    wallet's job as :data:`WALLET_JOB_INTERVAL_ENV` and :data:`NOTIFIER_ENV` say."""
    from gongji.api.app import create_app
    from gongji.service.notices import ConsoleNotifier, LogNotifier

    interval_s = wallet_job_interval_s()
    notifier: Notifier = ConsoleNotifier() if notifier_choice() == "console" else LogNotifier()
    return with_wallet_job(create_app(), interval_s, notifier)


def _gateway_credentials(ctx: Context) -> None:
    """Every institution's paasid and token for the national interface's gateway headers."""
    from gongji.service.institution_access import institution_credentials
    from gongji.service.institutions import list_institutions

    rows = []
    for institution in list_institutions(ctx):
        creds = institution_credentials(ctx, institution.fixmedins_code)
        rows.append((institution.fixmedins_code, institution.name, creds.paasid, creds.token))
    if rows:
        console.print(table("  接入凭证 Gateway credentials", ["机构编码 Code", "名称 Name", "paasid", "token"], rows))


def _portal_people(ctx: Context) -> None:
    """Who of the demo family can sign in, with masked ID numbers (the whole ones are the demo's, not the server's
    to print at every start: ``gongji demo`` and the README show them)."""
    from gongji.service.demo import DEMO_FAMILY
    from gongji.service.household_identity import sign_in_identity

    demo = [m for m in DEMO_FAMILY if sign_in_identity(ctx, m.certno) is not None]
    if not demo:
        return
    people = "、".join(f"{m.name} {mask_id_number(m.certno)}" for m in demo)
    again = f"{command_name()} demo"
    console.print(
        f"  演示参保人 Demo people: {people}\n"
        f"  （完整号码见 {again} 或 README；验证码显示在本控制台）"
        f"(whole numbers: {again} or the README; the one-time code appears on this console)",
        markup=False,
        soft_wrap=True,
    )


def _counter(ctx: Context, url: str, demo_operator: bool) -> None:
    """Where counter staff sign in, with the demo operator's fresh token (or how to issue one)."""
    from gongji.service.demo import DEMO_COUNTER_REGIONS, demo_counter_token

    console.print(f"柜台人员登录 Counter staff sign-in: {url}/portal/counter/sign-in", markup=False)
    if demo_operator:
        issued = demo_counter_token(ctx, key=new_key(None))
        console.print(
            f"  演示柜台令牌（统筹区 {'、'.join(DEMO_COUNTER_REGIONS)}；每次启动换新）"
            f"Demo counter token (regions {', '.join(DEMO_COUNTER_REGIONS)}; a new one at every start):\n"
            f"  {issued.token}",
            markup=False,
            soft_wrap=True,
        )
    else:
        console.print(
            "  令牌只显示一次，请先签发 A token is shown once; issue one with:\n"
            f"  {command_name()} token add --role operator --region 130100 --label 石家庄柜台",
            markup=False,
        )


def _banner(ctx: Context, url: str, demo_operator: bool) -> None:
    """Where to go: the portal, the counter's sign-in, the national interface with its credentials, the docs."""
    console.print(f"门户 Portal: {url}/portal", markup=False)
    _portal_people(ctx)
    _counter(ctx, url, demo_operator)
    console.print(f"国家医保接口 National interface: POST {url}/fsi/api/rsfComIfsService/callService", markup=False)
    _gateway_credentials(ctx)
    console.print(f"接口文档 API docs: {url}/docs   健康检查 Health: {url}/healthz   指标 Metrics: {url}/metrics")


def serve(
    host: Annotated[str, typer.Option(help="监听地址 Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口 Port")] = 8000,
    workers: Annotated[int, typer.Option(help="工作进程数 Worker processes")] = 1,
    access_log: Annotated[bool, typer.Option(help="每个请求一行 JSON 日志 One JSON line per request")] = True,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="演示：签发并显示演示柜台令牌（撤销上一个）Demo: issue and print the demo counter operator's token "
            "(revoking the previous one)",
        ),
    ] = False,
) -> None:
    """启动服务：国家医保接口、门户、/healthz、/metrics、医保钱包任务。Serve the national interface, portal, /healthz,
    /metrics, and the wallet's job (GONGJI_WALLET_JOB_INTERVAL_S, default 60; 0 turns it off)."""
    import uvicorn

    if demo:  # the demo's notifications are printed here, beside its sign-in codes
        os.environ[NOTIFIER_ENV] = "console"
    interval_s = guard(wallet_job_interval_s, as_json=False)  # fail early on a bad configuration
    guard(notifier_choice, as_json=False)
    url = f"http://{host}:{port}"
    run(lambda ctx: _banner(ctx, url, demo), as_json=False)
    if interval_s:
        console.print(f"  医保钱包任务每 {interval_s} 秒运行 The wallet job runs every {interval_s} s", markup=False)
    from gongji.api.observability import serve_access_log  # recorded for the workers: each sets its own log up

    serve_access_log(access_log)
    settings()  # fail early on a bad configuration
    options: dict[str, Any] = {
        "factory": True,
        "host": host,
        "port": port,
        "access_log": False,
        "log_level": "warning",
    }
    if workers == 1:
        uvicorn.run(SERVED_APP, **options)
        return
    from gongji.cli.tcp_serve import serve_workers  # uvicorn's multi-worker path, with TCP_NODELAY kept

    serve_workers(SERVED_APP, workers, options)
