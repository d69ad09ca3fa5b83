"""Designated institutions and the medical catalogue: registering, importing CSV files, and the shipped demo data."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from gongji.cli.catalogue_cmd import catalogue_app, institution_app
from gongji.domain.catalogue import MICRO_PER_FEN, CatalogueItem, ItemCategory, ItemKind, classify
from gongji.domain.errors import Conflict, ErrorCode, InvalidInput, NotFound, Refused
from gongji.service.catalogue import (
    COLUMNS,
    ImportReport,
    import_catalogue,
    list_catalogue,
    load_demo_catalogue,
    load_demo_institutions,
    show_catalogue_item,
)
from gongji.service.clock import FixedClock
from gongji.service.context import Context
from gongji.service.institutions import AddInstitution, add_institution, list_institutions, show_institution
from tests.helpers import snapshot

HEADER = ",".join(COLUMNS)

FIRST_HOSPITAL = AddInstitution("H13010200001", "石家庄市示例第一医院", "hospital", "130100", "3")
PHARMACY = AddInstitution("P13010200001", "示例大药房", "pharmacy", "130100")

GOOD_ROWS = [
    HEADER,
    "XJ01CAA040A001010100001,阿莫西林胶囊,A,drug,盒,,,true,true",
    "XC10AAA129A001010100004,阿托伐他汀钙片,B,drug,盒,10,,true,true",
    "XR06AXL001A001010100009,氯雷他定片,乙,drug,盒,,,1,0",
    "002103040010000,CT平扫（颅脑）,B,test,次,12.5,150.00,是,是",
    "001102000010000,普通门诊诊查费,甲,service,次,,10,true,false",
    "C0201010010000000001,一次性使用无菌注射器,A,consumable,支,,,true,true",
    "001501000010000,激光祛斑（美容）,丙,service,次,,,否,true",
]


def _csv(tmp_path: Path, lines: list[str], name: str = "catalogue.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _counts(report: ImportReport) -> tuple[int, int, int, int, int]:
    return report.rows_read, report.inserted, report.updated, report.unchanged, report.rows_rejected


# --- institutions ----------------------------------------------------------------------------------------------


def test_institutions_are_registered_and_listed_by_region(ctx: Context) -> None:
    hospital = add_institution(ctx, FIRST_HOSPITAL, key="i1")
    assert (hospital.fixmedins_code, hospital.kind_zh, hospital.level, hospital.level_zh) == (
        "H13010200001",
        "医疗机构",
        "3",
        "三级",
    )
    assert hospital.region_zh == "石家庄市"
    pharmacy = add_institution(ctx, PHARMACY, key="i2")
    assert (pharmacy.kind, pharmacy.level, pharmacy.level_zh) == ("pharmacy", None, None)
    changchun = add_institution(
        ctx, AddInstitution(" h22010200001 ", "吉林省示例人民医院", "医院", "220100", "3-provincial"), key="i3"
    )
    assert changchun.fixmedins_code == "H22010200001"  # trimmed and upper-cased
    assert changchun.level_zh == "三级（省属）"
    community = add_institution(
        ctx, AddInstitution("H13010200003", "示例社区卫生服务中心", "hospital", "130100", "一级"), key="i4"
    )
    assert community.level == "1"

    assert [v.fixmedins_code for v in list_institutions(ctx)] == [
        "H13010200001",
        "P13010200001",
        "H22010200001",
        "H13010200003",
    ]
    assert [v.fixmedins_code for v in list_institutions(ctx, region="220100")] == ["H22010200001"]
    assert list_institutions(ctx, region="610100") == []
    assert show_institution(ctx, "p13010200001") == pharmacy


def test_the_same_key_replays_and_another_request_under_it_conflicts(ctx: Context) -> None:
    first = add_institution(ctx, FIRST_HOSPITAL, key="i1")
    assert add_institution(ctx, FIRST_HOSPITAL, key="i1") == first
    with pytest.raises(Conflict):
        add_institution(ctx, PHARMACY, key="i1")


def test_a_code_is_registered_once(ctx: Context, engine: Engine) -> None:
    add_institution(ctx, FIRST_HOSPITAL, key="i1")
    before = snapshot(engine)
    with pytest.raises(Refused) as refused:
        add_institution(ctx, AddInstitution("h13010200001", "另一家医院", "hospital", "130100", "2"), key="i2")
    assert refused.value.code is ErrorCode.INSTITUTION_EXISTS
    assert "石家庄市示例第一医院" in refused.value.message_zh
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("cmd", "code", "says"),
    [
        (AddInstitution("", "某医院", "hospital", "130100", "3"), ErrorCode.FIELD_INVALID, "1 to 30 visible"),
        (AddInstitution("H1301 0200001", "某医院", "hospital", "130100", "3"), ErrorCode.FIELD_INVALID, "visible"),
        (AddInstitution("H" * 31, "某医院", "hospital", "130100", "3"), ErrorCode.FIELD_INVALID, "1 to 30"),
        (AddInstitution("H13010200009", "  ", "hospital", "130100", "3"), ErrorCode.FIELD_INVALID, "name"),
        (AddInstitution("H13010200009", "某诊所", "clinic", "130100", "3"), ErrorCode.CODE_UNKNOWN, "clinic"),
        (AddInstitution("H13010200009", "某医院", "hospital", "130100"), ErrorCode.FIELD_INVALID, "needs its level"),
        (AddInstitution("H13010200009", "某医院", "hospital", "130100", "4"), ErrorCode.CODE_UNKNOWN, "level"),
        (AddInstitution("P13010200009", "某药房", "pharmacy", "130100", "3"), ErrorCode.FIELD_INVALID, "pharmacy"),
        (AddInstitution("H13010200009", "某医院", "hospital", "999999", "3"), ErrorCode.CODE_UNKNOWN, "999999"),
        (AddInstitution("H13010200009", "某医院", "hospital", "100000", "3"), ErrorCode.FIELD_INVALID, "national"),
    ],
)
def test_an_institution_is_refused_with_the_reason_and_nothing_changes(
    ctx: Context, engine: Engine, cmd: AddInstitution, code: ErrorCode, says: str
) -> None:
    before = snapshot(engine)
    with pytest.raises(InvalidInput) as invalid:
        add_institution(ctx, cmd, key="bad")
    assert invalid.value.code is code
    assert says in invalid.value.message_en
    assert snapshot(engine) == before


def test_an_unknown_institution_is_not_found(ctx: Context) -> None:
    with pytest.raises(NotFound) as missing:
        show_institution(ctx, "H99999999999")
    assert missing.value.code is ErrorCode.INSTITUTION_NOT_FOUND


def test_the_demo_institutions_load_once(ctx: Context, engine: Engine) -> None:
    views = load_demo_institutions(ctx)
    assert [(v.fixmedins_code, v.kind, v.level, v.region) for v in views] == [
        ("H13010200001", "hospital", "3-municipal", "130100"),
        ("H13010200002", "hospital", "2", "130100"),
        ("H13010200003", "hospital", "1", "130100"),
        ("P13010200001", "pharmacy", None, "130100"),
        ("H22010200001", "hospital", "3-provincial", "220100"),
        ("H61010200001", "hospital", "3", "610100"),
    ]
    assert views[0].name == "石家庄市示例第一医院"
    before = snapshot(engine)
    assert load_demo_institutions(ctx) == views
    assert snapshot(engine) == before


def test_the_demo_keeps_an_institution_registered_by_other_means(ctx: Context) -> None:
    mine = add_institution(ctx, AddInstitution("P13010200001", "别的药房", "pharmacy", "130100"), key="mine")
    views = load_demo_institutions(ctx)
    assert views[3] == mine
    assert len(list_institutions(ctx)) == 6


# --- importing the catalogue -----------------------------------------------------------------------------------


def test_a_good_file_is_imported_whole(ctx: Context, tmp_path: Path) -> None:
    report = import_catalogue(ctx, _csv(tmp_path, GOOD_ROWS))
    assert _counts(report) == (7, 7, 0, 0, 0)
    assert report.clean
    assert report.problems == []
    assert report.batches == 1
    assert report.note.en == "All 7 rows imported (in 1 batch of at most 1000, one transaction each)."

    ct = show_catalogue_item(ctx, "002103040010000")
    assert (ct.category, ct.category_zh, ct.kind, ct.kind_zh) == ("B", "乙类", "test", "检查检验")
    assert (ct.self_pay_bp, ct.self_pay_pct, ct.price_cap_fen, ct.account_payable, ct.sample) == (
        1250,
        "12.50",
        15000,
        True,
        True,
    )
    loratadine = show_catalogue_item(ctx, "XR06AXL001A001010100009")
    assert (loratadine.category, loratadine.self_pay_bp, loratadine.sample) == ("B", None, False)
    laser = show_catalogue_item(ctx, "001501000010000")
    assert (laser.category, laser.account_payable) == ("C", False)
    fee = show_catalogue_item(ctx, "001102000010000")
    assert (fee.category, fee.price_cap_fen, fee.unit) == ("A", 1000, "次")

    page = list_catalogue(ctx)
    assert page.total == 7
    assert [item.code for item in page.items] == sorted(line.split(",")[0] for line in GOOD_ROWS[1:])
    assert [item.name for item in list_catalogue(ctx, name="片").items] == ["阿托伐他汀钙片", "氯雷他定片"]
    by_code = list_catalogue(ctx, code="00")
    assert (by_code.total, len(by_code.items)) == (3, 3)
    second = list_catalogue(ctx, limit=2, offset=2)
    assert (second.total, [i.code for i in second.items]) == (7, [i.code for i in page.items[2:4]])
    assert list_catalogue(ctx, name="100%_").total == 0  # LIKE wildcards in a filter are taken literally


def test_importing_again_changes_only_what_changed(ctx: Context, engine: Engine, clock: FixedClock) -> None:
    import_catalogue(ctx, GOOD_ROWS)
    before = snapshot(engine)
    clock.advance(timedelta(days=1))
    again = import_catalogue(ctx, GOOD_ROWS)
    assert _counts(again) == (7, 0, 0, 7, 0)
    assert snapshot(engine) == before  # not even updated_at moves

    changed = [*GOOD_ROWS, "XA10BAE009A001010100002,盐酸二甲双胍片,A,drug,盒,,,true,true"]
    changed[2] = "XC10AAA129A001010100004,阿托伐他汀钙片,B,drug,盒,15,,true,true"
    third = import_catalogue(ctx, changed)
    assert _counts(third) == (8, 1, 1, 6, 0)
    assert show_catalogue_item(ctx, "XC10AAA129A001010100004").self_pay_bp == 1500
    assert list_catalogue(ctx).total == 8


BAD_FILE = [
    "# 示例 sample: a file with mistakes",  # line 1
    HEADER,  # line 2
    "XA0001,好药片,A,drug,盒,,,true,false",  # line 3: good
    "XA0002,坏类别,D,drug,盒,,,true,false",  # line 4: category
    "XA0003,负限价,A,drug,盒,,-5.00,true,false",  # line 5: negative price cap
    "XA0004,限价三位小数,B,drug,盒,,1.234,true,false",  # line 6: three decimals
    "",  # line 7: blank, skipped
    "XA0005,比例三位小数,B,drug,盒,10.125,,true,false",  # line 8: three decimals in a share
    "XA0006,未知类型,A,gadget,个,,,true,false",  # line 9: kind
    "XA0007,甲类带比例,甲,drug,盒,10,,true,false",  # line 10: a share on an A item
    ",缺编码,A,drug,盒,,,true,false",  # line 11: no code
    "XA0001,重复编码,A,drug,盒,,,true,false",  # line 12: repeats line 3
    "XB0008,乙类好药,乙,drug,盒,12.5%,30,是,否",  # line 13: good
    "XA0009,坏布尔,A,drug,盒,,,maybe,false",  # line 14: account_payable
    "XA0010,列数不对,A,drug",  # line 15: four fields
    "XA0011,两个错,X,drug,盒,,abc,true,false",  # line 16: category and price cap
    "XA0012,比例过百,B,drug,盒,100.5,,true,false",  # line 17: above 100 %
]


def test_bad_rows_are_rejected_with_line_column_and_reason_while_good_rows_land(ctx: Context, tmp_path: Path) -> None:
    report = import_catalogue(ctx, _csv(tmp_path, BAD_FILE))
    assert _counts(report) == (14, 2, 0, 0, 12)
    assert not report.clean
    assert [(p.line, p.column) for p in report.problems] == [
        (4, "category"),
        (5, "price_cap_yuan"),
        (6, "price_cap_yuan"),
        (8, "self_pay_pct"),
        (9, "kind"),
        (10, "self_pay_pct"),
        (11, "code"),
        (12, "code"),
        (14, "account_payable"),
        (15, "*"),
        (16, "category"),
        (16, "price_cap_yuan"),
        (17, "self_pay_pct"),
    ]
    reasons = {(p.line, p.column): (p.value, p.reason.zh, p.reason.en) for p in report.problems}
    assert reasons[(4, "category")][0] == "D"
    assert "不能为负数" in reasons[(5, "price_cap_yuan")][1]
    assert reasons[(5, "price_cap_yuan")][2] == "must not be negative"
    assert reasons[(6, "price_cap_yuan")][2] == "at most two decimals (to the fen)"
    assert reasons[(8, "self_pay_pct")][2] == "at most two decimals"
    assert reasons[(9, "kind")][0] == "gadget"
    assert "only category B" in reasons[(10, "self_pay_pct")][2]
    assert "甲类" in reasons[(10, "self_pay_pct")][1]
    assert reasons[(11, "code")][2] == "the code is missing"
    assert reasons[(12, "code")][1] == "编码与第 3 行重复"
    assert reasons[(12, "code")][2] == "the code repeats line 3"
    assert reasons[(15, "*")][2] == "the row has 4 fields, the header 9"
    assert reasons[(17, "self_pay_pct")][2] == "must be between 0 and 100"
    assert "imported anyway" in report.note.en
    assert "12 rows rejected" in report.note.en
    assert "the other 2 valid rows imported anyway" in report.note.en
    assert "尽管有被拒绝的行" in report.note.zh

    assert [item.code for item in list_catalogue(ctx).items] == ["XA0001", "XB0008"]
    assert show_catalogue_item(ctx, "XA0001").name == "好药片"  # the first of the repeated code stands
    good = show_catalogue_item(ctx, "XB0008")
    assert (good.self_pay_bp, good.price_cap_fen, good.account_payable, good.sample) == (1250, 3000, True, False)


@pytest.mark.parametrize(
    ("header", "says"),
    [
        ("code,name,category,type,unit,self_pay_pct,price_cap_yuan,account_payable,sample", "unknown columns type"),
        ("code,name,category,kind,unit,self_pay_pct,price_cap_yuan,account_payable", "missing columns sample"),
        (HEADER + ",code", "repeated columns code"),
        ("编码,名称", "unknown columns 编码, 名称"),
    ],
)
def test_a_file_with_a_wrong_header_is_refused_whole(
    ctx: Context, engine: Engine, tmp_path: Path, header: str, says: str
) -> None:
    before = snapshot(engine)
    with pytest.raises(InvalidInput) as invalid:
        import_catalogue(ctx, _csv(tmp_path, ["# comment", header, *GOOD_ROWS[1:]]))
    assert invalid.value.code is ErrorCode.CATALOGUE_HEADER_INVALID
    assert says in invalid.value.message_en
    assert "line 2" in invalid.value.message_en
    assert "整个文件未导入" in invalid.value.message_zh
    assert snapshot(engine) == before


def test_a_file_without_a_header_or_with_broken_csv_is_refused(ctx: Context, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as empty:
        import_catalogue(ctx, _csv(tmp_path, ["# nothing but a comment", ""]))
    assert empty.value.code is ErrorCode.CATALOGUE_HEADER_INVALID
    with pytest.raises(InvalidInput) as broken:
        import_catalogue(ctx, [HEADER, 'XA1,"unterminated,A,drug,,,,true,true'])
    assert broken.value.code is ErrorCode.CATALOGUE_FILE_INVALID
    with pytest.raises(InvalidInput) as unreadable:
        import_catalogue(ctx, tmp_path / "no-such-file.csv")
    assert unreadable.value.code is ErrorCode.CATALOGUE_FILE_INVALID
    assert list_catalogue(ctx).total == 0


def test_files_saved_by_excel_are_read(ctx: Context, tmp_path: Path) -> None:
    with_bom = _csv(tmp_path, GOOD_ROWS, "bom.csv", "utf-8-sig")
    assert _counts(import_catalogue(ctx, with_bom)) == (7, 7, 0, 0, 0)
    gbk = _csv(tmp_path, [HEADER, "XA0100,复方甘草片,A,drug,瓶,,,是,否"], "gbk.csv", "gb18030")
    assert _counts(import_catalogue(ctx, gbk)) == (1, 1, 0, 0, 0)
    assert show_catalogue_item(ctx, "XA0100").name == "复方甘草片"


def test_valid_rows_are_written_in_batches_with_progress(ctx: Context) -> None:
    rows = [HEADER] + [f"XT{n:05d},测试药品{n},A,drug,盒,,,true,true" for n in range(1, 1_201)]
    rows.insert(600, "XT-BAD,坏行,Z,drug,盒,,,true,true")
    seen: list[tuple[int, int]] = []
    report = import_catalogue(ctx, rows, progress=lambda done, total: seen.append((done, total)))
    assert _counts(report) == (1_201, 1_200, 0, 0, 1)
    assert report.batches == 2
    assert seen == [(0, 1_200), (1_000, 1_200), (1_200, 1_200)]
    small = import_catalogue(ctx, GOOD_ROWS, batch_size=3)
    assert (small.batches, small.inserted) == (3, 7)

    codes = [f"XT{n:05d}" for n in range(1, 1_201)]
    found = ctx.read(lambda uow: uow.catalogue.find_many([*codes, "NOPE"]))  # more codes than one IN list holds
    assert sorted(found) == codes
    assert found["XT00042"].name == "测试药品42"


def test_an_unknown_item_is_not_found(ctx: Context) -> None:
    with pytest.raises(NotFound) as missing:
        show_catalogue_item(ctx, "XNOPE")
    assert missing.value.code is ErrorCode.CATALOGUE_ITEM_NOT_FOUND
    assert "XNOPE" in missing.value.message_zh


# --- the shipped demo catalogue --------------------------------------------------------------------------------


def test_the_demo_catalogue_imports_without_a_rejection(ctx: Context, engine: Engine) -> None:
    report = load_demo_catalogue(ctx)
    assert report.problems == []
    assert report.rows_rejected == 0
    assert 40 <= report.inserted == report.rows_read <= 60
    items = list_catalogue(ctx, limit=500).items
    assert all(item.sample for item in items)
    assert {item.category for item in items} == {"A", "B", "C"}
    assert {item.kind for item in items} == {kind.value for kind in ItemKind}
    assert any(item.price_cap_fen for item in items)
    assert any(not item.account_payable for item in items)
    shares = {item.self_pay_bp for item in items if item.self_pay_bp is not None}
    assert shares
    assert all(500 <= bp <= 2_000 for bp in shares)
    assert all(item.self_pay_bp is None for item in items if item.category != "B")
    names = {item.name for item in items}
    assert any(name.startswith("阿莫西林胶囊") for name in names)

    before = snapshot(engine)
    again = load_demo_catalogue(ctx)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, report.rows_read)
    assert snapshot(engine) == before


def test_a_demo_item_classifies_into_parts_that_add_up(ctx: Context) -> None:
    load_demo_catalogue(ctx)
    ct = ctx.read(lambda uow: uow.catalogue.find("002103040010000"))
    assert isinstance(ct, CatalogueItem)
    assert (ct.category, ct.self_pay_bp, ct.price_cap_fen) == (ItemCategory.B, 1_000, 15_000)
    # One CT at 180.00 yuan against a cap of 150.00: 30.00 over the cap, 10 % of 150.00 first paid by the patient.
    parts = classify(ct, 1_000, 18_000 * MICRO_PER_FEN, default_self_pay_bp=500)
    assert (parts.total_fen, parts.fulamt_ownpay_fen, parts.overlmt_fen, parts.preselfpay_fen, parts.inscp_fen) == (
        18_000,
        0,
        3_000,
        1_500,
        13_500,
    )
    assert parts.fulamt_ownpay_fen + parts.overlmt_fen + parts.preselfpay_fen + parts.inscp_fen == parts.total_fen
    laser = ctx.read(lambda uow: uow.catalogue.find("001501000010000"))
    assert laser is not None
    assert laser.category is ItemCategory.C
    assert classify(laser, 1_000, 30_000 * MICRO_PER_FEN, 500).fulamt_ownpay_fen == 30_000


# --- the commands ----------------------------------------------------------------------------------------------


@pytest.fixture
def invoke(database_url: str):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    env = {"GONGJI_DATABASE_URL": database_url, "GONGJI_NOW": "2026-11-22T10:00:00+08:00", "COLUMNS": "200"}

    def run(app, *args: str, code: int = 0) -> str:  # type: ignore[no-untyped-def]
        result = runner.invoke(app, list(args), env=env)
        assert result.exit_code == code, result.output
        return result.output

    return run


def test_institution_commands(invoke) -> None:  # type: ignore[no-untyped-def]
    added = invoke(institution_app, "add", "H13010200001", "石家庄市示例第一医院", "--kind", "hospital", "--region",
                   "130100", "--level", "3")  # fmt: skip
    assert "石家庄市示例第一医院" in added
    assert "三级" in added
    duplicate = invoke(
        institution_app, "add", "H13010200001", "别的", "--kind", "hospital", "--region", "130100", "--level", "2",
        "--json", code=1,
    )  # fmt: skip
    assert json.loads(duplicate)["error"]["code"] == "INSTITUTION_EXISTS"
    no_level = invoke(institution_app, "add", "H2", "某医院", "--kind", "hospital", "--region", "130100", code=2)
    assert "needs its level" in no_level
    listed = json.loads(invoke(institution_app, "list", "--json"))
    assert [i["fixmedins_code"] for i in listed] == ["H13010200001"]
    assert "H13010200001" in invoke(institution_app, "list", "--region", "130100")


def test_catalogue_commands(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = invoke(catalogue_app, "import", str(_csv(tmp_path, GOOD_ROWS, "good.csv")))
    assert "All 7 rows imported" in good
    bad = invoke(catalogue_app, "import", str(_csv(tmp_path, BAD_FILE, "bad.csv")), code=1)
    assert "被拒绝的行 Rejected rows" in bad
    assert "the code repeats line 3" in bad
    report = json.loads(invoke(catalogue_app, "import", str(tmp_path / "bad.csv"), "--json", code=1))
    assert (report["clean"], report["rows_rejected"], report["unchanged"]) == (False, 12, 2)
    assert report["problems"][0] == {
        "line": 4,
        "column": "category",
        "value": "D",
        "reason": "ROW_CATEGORY_UNKNOWN",
        "reason_zh": "类别须为 A/B/C 或 甲/乙/丙",
        "reason_en": "the category must be A/B/C or 甲/乙/丙",
    }
    wrong = _csv(tmp_path, ["code,name", "X,Y"], "wrong.csv")
    assert "CATALOGUE_HEADER_INVALID" in invoke(catalogue_app, "import", str(wrong), code=2)

    shown = invoke(catalogue_app, "show", "002103040010000")
    assert "CT平扫" in shown
    assert "150.00" in shown
    assert "12.50%" in shown
    item = json.loads(invoke(catalogue_app, "show", "002103040010000", "--json"))
    assert (item["self_pay_bp"], item["price_cap_fen"]) == (1250, 15000)
    assert "CATALOGUE_ITEM_NOT_FOUND" in invoke(catalogue_app, "show", "XNOPE", code=1)
    page = json.loads(invoke(catalogue_app, "list", "--name", "片", "--json"))
    assert page["total"] == 3  # 阿托伐他汀钙片, 氯雷他定片 and 好药片 from the file with mistakes
    assert "阿莫西林胶囊" in invoke(catalogue_app, "list")
