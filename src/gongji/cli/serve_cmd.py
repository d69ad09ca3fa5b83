"""``gongji serve`` (the web application under uvicorn) and ``gongji his-sim`` (a hospital system driving it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gongji.domain.identity import mask_id_number

from .common import command_name, new_key, run, settings
from .output import console, table

if TYPE_CHECKING:
    from gongji.api.fsi.his_sim import Institution, SimReport
    from gongji.service.context import Context

__all__ = ["his_sim", "serve"]


def _gateway_credentials(ctx: Context) -> None:
    """Every institution's paasid and token for the national interface's gateway headers."""
    from gongji.service.catalogue import list_institutions
    from gongji.service.institution_access import institution_credentials

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
    from gongji.service.household import sign_in_identity

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
    """启动服务：国家医保接口、门户、/healthz、/metrics。Serve the national interface, portal, /healthz, /metrics."""
    import uvicorn

    url = f"http://{host}:{port}"
    run(lambda ctx: _banner(ctx, url, demo), as_json=False)
    from gongji.api.observability import serve_access_log  # recorded for the workers: each sets its own log up

    serve_access_log(access_log)
    settings()  # fail early on a bad configuration
    uvicorn.run(
        "gongji.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_level="warning",
    )


def _patients(ctx: Context, limit: int) -> list[str]:
    """People with a basic insurance in normal status, in registration order (at most ``limit``)."""
    from gongji.domain.codes import EnrollmentStatus
    from gongji.service.people import MAX_PAGE_SIZE, list_people

    found: list[str] = []
    offset = 0
    while len(found) < limit:
        page = list_people(ctx, limit=MAX_PAGE_SIZE, offset=offset)
        if not page:
            break
        offset += len(page)
        for person in page:
            normal = EnrollmentStatus.NORMAL.name.lower()
            if any(e.status == normal and e.insutype in ("310", "390") for e in person.enrollments):
                found.append(person.certno)
    return found[:limit]


def _print_report(report: SimReport, as_json: bool) -> None:
    infnos = sorted(report.latencies_s)
    if as_json:
        data = {
            "visits": report.visits,
            "completed": report.completed,
            "with_mutual_aid": report.with_mutual_aid,
            "reversed": report.reversed,
            "undone": report.undone,
            "refused": dict(report.refused),
            "identity_failures": report.identity_failures,
            "elapsed_s": round(report.elapsed_s, 3),
            "transactions": {
                infno: {
                    "count": len(report.latencies_s[infno]),
                    "per_s": round(report.rate(infno), 1),
                    "p50_ms": round(report.percentile_ms(infno, 0.5), 2),
                    "p99_ms": round(report.percentile_ms(infno, 0.99), 2),
                }
                for infno in infnos
            },
        }
        print(json.dumps(data, ensure_ascii=False))
        return
    console.print(
        f"就诊 {report.completed}/{report.visits} 完成，其中家庭共济 {report.with_mutual_aid}，撤销 {report.reversed}，"
        f"冲正 {report.undone}；用时 {report.elapsed_s:.1f} 秒\n"
        f"Visits completed {report.completed}/{report.visits}, with mutual aid {report.with_mutual_aid}, "
        f"reversed {report.reversed}, undone {report.undone}; {report.elapsed_s:.1f} s"
    )
    rows = [
        (
            infno,
            str(len(report.latencies_s[infno])),
            f"{report.rate(infno):,.1f}",
            f"{report.percentile_ms(infno, 0.5):.2f}",
            f"{report.percentile_ms(infno, 0.99):.2f}",
        )
        for infno in infnos
    ]
    console.print(table("交易 Transactions", ["infno", "次数 count", "每秒 per s", "p50 ms", "p99 ms"], rows))
    for reason, count in report.refused.most_common(10):
        console.print(f"拒绝 refused ×{count}: {reason}")
    for failure in report.identity_failures[:10]:
        console.print(f"[red]恒等式不成立 identity broken: {failure}[/red]")


def his_sim(
    url: Annotated[str, typer.Option(help="gongji 服务地址 Server address")] = "http://127.0.0.1:8000",
    visits: Annotated[int, typer.Option(help="就诊次数 Visits to drive")] = 100,
    concurrency: Annotated[int, typer.Option(help="并发客户端 Concurrent clients")] = 4,
    rate: Annotated[float | None, typer.Option(help="每秒开始的就诊数（固定负载）Visits started per second")] = None,
    # The demo's hospital and pharmacy (gongji.service.demo.HOSPITAL and PHARMACY; a test checks they agree).
    hospital: Annotated[str, typer.Option(help="医院编码 Hospital code")] = "H13010200001",
    pharmacy: Annotated[str, typer.Option(help="药店编码 Pharmacy code")] = "P13010200001",
    patients: Annotated[
        Path | None, typer.Option(help="患者证件号码文件，每行一个 File of ID numbers, one per line")
    ] = None,
    max_patients: Annotated[int, typer.Option(help="从数据库读取的患者上限 Patients read from the database")] = 2_000,
    reverse_every: Annotated[int, typer.Option(help="每 N 笔结算撤销一笔（2208），0 不撤销")] = 10,
    undo_every: Annotated[int, typer.Option(help="每 N 笔结算冲正一笔（2601），0 不冲正")] = 15,
    seed: Annotated[int, typer.Option(help="随机种子 Random seed")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="JSON 输出")] = False,
) -> None:
    """模拟医院信息系统：签到、读卡、挂号、上传费用、预结算、结算，有时撤销或冲正。
    Drive complete visits through the national interface as a hospital system would."""
    from gongji.api.fsi.his_sim import Institution, run_simulation
    from gongji.service.institution_access import institution_credentials

    def gather(ctx: Context) -> tuple[list[Institution], list[str]]:
        places = []
        for code, is_pharmacy in ((hospital, False), (pharmacy, True)):
            creds = institution_credentials(ctx, code)
            places.append(Institution(code, creds.paasid, creds.token, is_pharmacy))
        people = (
            [line.strip() for line in patients.read_text("utf-8").splitlines() if line.strip()]
            if patients
            else _patients(ctx, max_patients)
        )
        return places, people

    # Credentials and patients are read from the configured database (the simulator runs beside the server).
    places, people = run(gather, as_json)
    report = run_simulation(
        url,
        places,
        people,
        visits=visits,
        concurrency=concurrency,
        rate=rate,
        reverse_every=reverse_every,
        undo_every=undo_every,
        seed=seed,
    )
    _print_report(report, as_json)
    if report.identity_failures or report.completed == 0:
        raise typer.Exit(1)
