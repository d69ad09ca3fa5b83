"""``gongji his-sim``: a hospital system driving a running gongji through the national interface — sign-in, card,
registration, the visit's information, charge batches with pre-settlement, settlement, queries, inpatient stays with a
mid-stay settlement, and now and then a reversal (2208) or an undo (2601) — and what it measured.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import run
from .output import console, table

if TYPE_CHECKING:
    from gongji.api.fsi.his_sim import Institution, SimReport
    from gongji.service.context import Context

__all__ = ["his_sim"]


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
            "batches": report.batches,
            "stays": report.stays,
            "mid_settled": report.mid_settled,
            "queried": report.queried,
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
        f"reversed {report.reversed}, undone {report.undone}; {report.elapsed_s:.1f} s\n"
        f"收费批次 {report.batches}，住院 {report.stays}（中途结算 {report.mid_settled}），查询 {report.queried}\n"
        f"Charge batches {report.batches}, stays {report.stays} (mid-stay settlements {report.mid_settled}), "
        f"queries {report.queried}"
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
    batches: Annotated[int, typer.Option(help="每次门诊的收费批次数 Charge batches per hospital visit")] = 2,
    visit_info: Annotated[
        bool, typer.Option(help="挂号后上传就诊信息（2203）Upload the visit and its diagnosis after registering")
    ] = True,
    stay_every: Annotated[
        int, typer.Option(help="每 N 次医院就诊一次住院（含中途结算），0 不住院 Every N-th hospital visit a stay")
    ] = 10,
    queries: Annotated[
        bool, typer.Option(help="结算后查询（5201/5203/5204）Query the visit, settlement and fees after settling")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="JSON 输出")] = False,
) -> None:
    """模拟医院信息系统：签到、读卡、挂号、就诊信息上传、分批上传费用并预结算、结算、查询，住院中途结算，有时撤销或冲正。
    Drive complete visits through the national interface as a hospital system would: charge batches, 2203,
    inpatient stays with a mid-stay settlement, the queries."""
    from gongji.api.fsi.his_sim import Institution, SimOptions, run_simulation
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
        options=SimOptions(batches=batches, visit_info=visit_info, stay_every=stay_every, queries=queries),
    )
    _print_report(report, as_json)
    if report.identity_failures or report.completed == 0:
        raise typer.Exit(1)
