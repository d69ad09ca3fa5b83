"""``gongji wallet`` and ``gongji notices`` as an operator uses them, and the wallet's job in ``gongji serve``, on both
backends: 张丽 (Beijing) sends to her mother 赵桂兰 (Shijiazhuang), who accepts, or lets it return at 06:00."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Callable
from datetime import datetime

import pytest
from anyio.from_thread import start_blocking_portal
from typer.testing import CliRunner

from gongji.api.app import create_app
from gongji.api.observability import ACCESS_LOG_ENV
from gongji.cli import app
from gongji.cli.serve_cmd import NOTIFIER_ENV, SERVED_APP, WALLET_JOB_INTERVAL_ENV, with_wallet_job
from gongji.service.account_query import balances
from gongji.service.clock import SHANGHAI, FixedClock
from gongji.service.context import Context
from gongji.service.wallet_ports import StoredNotice
from gongji.service.wallet_query import show_wallet
from tests.helpers import GUILAN, XIAOMING, ZHANGLI, employee, resident

Gongji = Callable[..., str]


@pytest.fixture
def family(ctx: Context) -> Context:
    """张丽, employee in Beijing with 10,000.00 in her account; her mother 赵桂兰 and her nephew 张小明, residents of
    Shijiazhuang."""
    employee(ctx, ZHANGLI, "张丽", region="110000", prior_fen=1_000_000)
    resident(ctx, GUILAN, "赵桂兰")
    resident(ctx, XIAOMING, "张小明")
    return ctx


@pytest.fixture
def gongji(database_url: str, family: Context) -> Gongji:
    """Run ``gongji`` on the family's database at 10:00 on 2026-11-22 (``now`` to stand elsewhere); the output."""
    runner = CliRunner()

    def run(*args: str, code: int = 0, now: str = "2026-11-22T10:00:00+08:00") -> str:
        env = {"GONGJI_DATABASE_URL": database_url, "GONGJI_NOW": now, "COLUMNS": "200"}
        result = runner.invoke(app, list(args), env=env)
        assert result.exit_code == code, result.output
        return result.output

    return run


def _open_and_send(gongji: Gongji, amount: str = "500") -> int:
    for person in (ZHANGLI, GUILAN):
        assert "已开通 open" in gongji("wallet", "open", person)
    sent = gongji("wallet", "transfer", ZHANGLI, GUILAN, amount, "--relation", "parent", "--face-token", "ok", "--json")
    transfer = json.loads(sent)
    assert transfer["status"] == "pending"
    return int(transfer["id"])


def test_send_show_accept_and_the_history_of_both_sides(gongji: Gongji) -> None:
    transfer_id = _open_and_send(gongji)
    waiting = gongji("wallet", "show", GUILAN)
    assert "赵桂兰 医保钱包 Wallet" in waiting
    assert "待接收 Waiting to be accepted" in waiting
    assert "500.00" in waiting
    assert "张丽" in waiting  # the sender named
    assert "待接收 pending" in waiting
    sender = gongji("wallet", "show", ZHANGLI)
    assert "为亲属预留 Reserved for relatives" in sender
    assert "赵桂兰" in sender
    accepted = gongji("wallet", "accept", str(transfer_id), "--by", GUILAN)
    assert "已接收" in accepted
    mother = json.loads(gongji("wallet", "show", GUILAN, "--json"))
    assert (mother["balance_fen"], mother["pending_in_fen"]) == (50_000, 0)
    history = gongji("wallet", "history", GUILAN)
    assert "接收 accepted" in history
    assert "转入 in" in history
    assert [e["kind"] for e in json.loads(gongji("wallet", "history", ZHANGLI, "--json"))] == ["accepted", "sent"]
    told = gongji("notices", "show", ZHANGLI)
    assert "赵桂兰 已接收您的医保钱包转账 500.00" in told
    assert "未读 unread" in told


def test_refusals_say_why_in_both_languages_and_exit_non_zero(gongji: Gongji) -> None:
    for person in (ZHANGLI, XIAOMING):
        gongji("wallet", "open", person)
    nephew = gongji(
        "wallet", "transfer", ZHANGLI, XIAOMING, "100", "--relation", "other_relative", "--face-token", "ok", code=1
    )
    assert "WALLET_RELATION_NOT_CLOSE" in nephew
    assert "近亲属" in nephew
    assert "not a close relative" in nephew
    unverified = json.loads(
        gongji("wallet", "transfer", ZHANGLI, XIAOMING, "100", "--relation", "child", "--json", code=1)
    )
    assert unverified["error"]["code"] == "WALLET_VERIFICATION_REQUIRED"
    assert "AMOUNT_INVALID" in gongji("wallet", "transfer", ZHANGLI, XIAOMING, "-5", "--relation", "child", code=2)
    assert "CODE_UNKNOWN" in gongji("wallet", "transfer", ZHANGLI, XIAOMING, "5", "--relation", "cousin", code=2)
    assert "WALLET_TRANSFER_NOT_FOUND" in gongji("wallet", "decline", "999", "--by", GUILAN, code=1)
    assert "WALLET_NOT_OPEN" in gongji("wallet", "close", GUILAN, code=1)


def test_return_due_returns_at_six_and_not_before_and_is_idempotent(gongji: Gongji, family: Context) -> None:
    _open_and_send(gongji, "300.00")
    early = json.loads(gongji("wallet", "return-due", "--json", now="2026-11-23T05:59:59+08:00"))
    assert early == {"returned": 0, "amount_fen": 0}
    returned = gongji("wallet", "return-due", now="2026-11-23T06:00:00+08:00")
    assert "退回逾期未接收的转账 1 笔，共 300.00" in returned
    assert "Returned 1 transfer(s)" in returned
    again = json.loads(gongji("wallet", "return-due", "--json", now="2026-11-23T06:30:00+08:00"))
    assert again == {"returned": 0, "amount_fen": 0}
    assert balances(family, ZHANGLI).personal_account_fen == 1_000_000
    assert "逾期未接收退回 returned" in gongji("wallet", "history", ZHANGLI, now="2026-11-23T06:30:00+08:00")


def test_notices_are_delivered_once_to_the_console(gongji: Gongji) -> None:
    _open_and_send(gongji)
    delivered = gongji("notices", "deliver")
    assert "张丽 向您的医保钱包转账 500.00" in delivered  # as the console sender prints it
    assert "已发送通知 1 条 Sent 1 notification(s)" in delivered
    assert json.loads(gongji("notices", "deliver", "--json")) == {"sent": 0}
    inbox = json.loads(gongji("notices", "show", GUILAN, "--json"))
    assert [n["kind"] for n in inbox] == ["WALLET_TRANSFER_WAITING"]
    assert "没有消息 No notifications." in gongji("notices", "show", XIAOMING)


def test_serve_runs_the_application_with_the_wallet_job(
    gongji: Gongji, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    served: list[tuple[str, str | None]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **_: served.append((target, os.environ.get(NOTIFIER_ENV))))
    monkeypatch.setattr(logging, "basicConfig", lambda **_: None)  # the test's own logging stays as it is
    runner = CliRunner()
    # None: unset while the command runs, restored after (serve records its choices in the environment).
    env = {"GONGJI_DATABASE_URL": database_url, "COLUMNS": "200", NOTIFIER_ENV: None, ACCESS_LOG_ENV: None}
    access = logging.getLogger("gongji.access")
    level = access.level
    try:
        shown = runner.invoke(app, ["serve", "--port", "8124"], env={**env, WALLET_JOB_INTERVAL_ENV: "30"})
        assert shown.exit_code == 0, shown.output
        assert "医保钱包任务每 30 秒运行 The wallet job runs every 30 s" in shown.output
        demo = runner.invoke(app, ["serve", "--demo"], env={**env, WALLET_JOB_INTERVAL_ENV: "0"})
        assert demo.exit_code == 0, demo.output
        assert "wallet job runs" not in demo.output
        bad = runner.invoke(app, ["serve"], env={**env, WALLET_JOB_INTERVAL_ENV: "soon"})
        too_long = runner.invoke(app, ["serve"], env={**env, WALLET_JOB_INTERVAL_ENV: "86401"})
    finally:
        access.setLevel(level)
    assert served == [(SERVED_APP, None), (SERVED_APP, "console")]
    assert bad.exit_code == 2, bad.output
    assert "FIELD_INVALID" in bad.output
    assert WALLET_JOB_INTERVAL_ENV in bad.output
    assert too_long.exit_code == 2, too_long.output


class Recorder:
    """A notifier that keeps what it was handed."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, notice: StoredNotice, text_zh: str) -> None:
        """Keep the notice's kind and text."""
        self.sent.append((notice.kind, text_zh))


def test_the_job_returns_what_is_due_and_delivers_notices_while_the_app_serves(
    gongji: Gongji, family: Context, clock: FixedClock
) -> None:
    _open_and_send(gongji)
    clock.set(datetime(2026, 11, 23, 6, 0, tzinfo=SHANGHAI))
    recorder = Recorder()
    served = with_wallet_job(create_app(family), 3600, recorder, start_jitter_s=0)

    async def serve_until_delivered() -> None:
        async with served.router.lifespan_context(served):
            for _ in range(400):  # the first round runs at startup (no random wait here)
                if len(recorder.sent) >= 3:
                    return
                await asyncio.sleep(0.025)

    with start_blocking_portal() as portal:  # an event loop of its own thread
        portal.call(serve_until_delivered)
    assert [kind for kind, _ in recorder.sent] == [
        "WALLET_TRANSFER_WAITING",
        "WALLET_TRANSFER_RETURNED",
        "WALLET_TRANSFER_EXPIRED",
    ]
    assert show_wallet(family, GUILAN).incoming[0].status == "returned"
    assert balances(family, ZHANGLI).personal_account_fen == 1_000_000
    unchanged = create_app(family)
    assert with_wallet_job(unchanged, 0, recorder) is unchanged


def test_a_contribution_paid_from_the_wallet(gongji: Gongji) -> None:
    transfer_id = _open_and_send(gongji, "400")
    gongji("wallet", "accept", str(transfer_id), "--by", GUILAN)
    paid = gongji("wallet", "contribution", GUILAN, "380", "--year", "2027", "--reference", "2027 居民医保")
    assert "张丽" in paid
    assert "380.00" in paid
    mother = json.loads(gongji("wallet", "show", GUILAN, "--json"))
    assert mother["balance_fen"] == 2_000
    refused = gongji("wallet", "contribution", GUILAN, "380", "--year", "2028", code=1)
    assert "CONTRIBUTION_NOT_COVERED" in refused
