"""Files, catalogue downloads and clearing applications of the national interface, on both backends, at the
service level: what the HTTP tests cannot easily show (another process's view, expiry, races)."""

from __future__ import annotations

import io
import threading
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from gongji.bootstrap import build_context
from gongji.domain.errors import ErrorCode, GongjiError, NotFound, Refused
from gongji.service.catalogue import import_catalogue, load_demo_catalogue, load_demo_institutions
from gongji.service.catalogue_download import MakeCatalogueFile, make_catalogue_file
from gongji.service.clearing import ApplyClearing, apply_clearing
from gongji.service.clock import FixedClock
from gongji.service.context import Context
from gongji.service.fsi_files import KEEP_DAYS, DownloadFile, UploadFile, download_file, upload_file


@pytest.fixture
def institutions(ctx: Context) -> list[str]:
    """The demo institutions and catalogue loaded; their codes."""
    views = load_demo_institutions(ctx)
    load_demo_catalogue(ctx)
    return [view.fixmedins_code for view in views]


def test_a_file_stored_through_one_worker_is_read_through_another(
    engine: Engine, clock: FixedClock, ctx: Context, institutions: list[str]
) -> None:
    hospital = institutions[0]
    stored = upload_file(ctx, UploadFile(hospital, "detail.txt", b"a\tb\n"), key="t:file:1")
    other_worker = build_context(engine=engine, clock=clock)  # a second process: nothing shared but the database
    fetched = download_file(other_worker, DownloadFile(hospital, stored.file_qury_no, "detail.txt"))
    assert (fetched.filename, fetched.content) == ("detail.txt", b"a\tb\n")


def test_a_file_is_fetched_until_its_deadline_only(ctx: Context, clock: FixedClock, institutions: list[str]) -> None:
    hospital = institutions[0]
    stored = upload_file(ctx, UploadFile(hospital, "late.txt", b"x"), key="t:file:2")
    clock.advance(timedelta(days=KEEP_DAYS, seconds=-1))
    assert download_file(ctx, DownloadFile(hospital, stored.file_qury_no)).content == b"x"
    clock.advance(timedelta(seconds=2))
    with pytest.raises(Refused) as refused:
        download_file(ctx, DownloadFile(hospital, stored.file_qury_no))
    assert refused.value.code is ErrorCode.FILE_EXPIRED


def test_an_unknown_query_number_is_not_found(ctx: Context, institutions: list[str]) -> None:
    with pytest.raises(NotFound) as missing:
        download_file(ctx, DownloadFile(institutions[0], "F20261122100000abcdef012345678"))
    assert missing.value.code is ErrorCode.FILE_NOT_FOUND


def test_a_changed_item_is_the_only_one_a_download_from_the_last_version_lists(
    ctx: Context, clock: FixedClock, institutions: list[str]
) -> None:
    hospital = institutions[0]
    first = make_catalogue_file(ctx, MakeCatalogueFile("1306", hospital, "0"), key="t:cat:1")
    assert first.data_cnt > 0
    clock.advance(timedelta(hours=1))
    rows = ["code,name,category,kind,unit,self_pay_pct,price_cap_yuan,account_payable,sample\n"]
    rows.append("C99990000000000000001,测试敷料（新增）,C,consumable,片,,,false,true\n")
    import_catalogue(ctx, rows, source_name="test")
    later = make_catalogue_file(ctx, MakeCatalogueFile("1306", hospital, first.ver), key="t:cat:2")
    assert later.data_cnt == 1
    content = download_file(ctx, DownloadFile(hospital, later.file.file_qury_no)).content
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        lines = archive.read(archive.namelist()[0]).decode().splitlines()
    assert [line.split("\t")[0] for line in lines] == ["C99990000000000000001"]


def test_two_racing_applications_for_one_period_leave_one_standing(
    ctx: Context, engine: Engine, clock: FixedClock, institutions: list[str]
) -> None:
    hospital = institutions[0]
    day = clock.now().date()
    cmd = ApplyClearing(hospital, "11", "1", f"{day:%Y%m}", day, day, 0, 0, 0, 0, 0, 0)
    outcomes: list[object] = []

    def apply(key: str) -> None:
        worker = build_context(engine=engine, clock=clock)
        try:
            outcomes.append(apply_clearing(worker, cmd, key=key))
        except GongjiError as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=apply, args=(f"t:clr:{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(str(o) for o in outcomes if isinstance(o, ErrorCode)) == [str(ErrorCode.CLEARING_ALREADY_APPLIED)]
    assert sum(1 for o in outcomes if not isinstance(o, ErrorCode)) == 1
