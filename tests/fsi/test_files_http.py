"""9101 文件上传, 9102 文件下载 and the catalogue downloads (1301-1315) over real HTTP, on SQLite and PostgreSQL.

9102 answers the file's bytes as the HTTP body, as newtouch-cloud/openhis reads it (commit
68c8c6235b027eac2c493701c6edfcea9a1e6405, ``WinServiceAPI/YiBaoInterface/ClassHelper.cs``: the response stream is
saved as the file and unzipped); a refusal is the national envelope. The expected catalogue lines are read from the
demo catalogue's data file, not from the code that writes them.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import zipfile
from decimal import Decimal
from importlib import resources
from typing import Any

import httpx

from gongji.api.fsi.client import PATH
from gongji.service.demo import HOSPITAL, PHARMACY
from gongji.service.fsi_files import MAX_FILE_BYTES
from tests.fsi.conftest import FsiServer, HisClient


def ok(answer: Any) -> Any:
    """The output of a successful envelope."""
    assert (answer.status, answer.infcode, answer.err_msg) == (200, 0, None), answer.err_msg
    return answer.output


def refused(answer: Any, code: str) -> str:
    """The ``err_msg`` of a refusal with ``code``."""
    assert answer.infcode == -2, answer.body
    assert code in (answer.err_msg or ""), answer.err_msg
    return str(answer.err_msg)


def download(client: HisClient, file_qury_no: str, filename: str, owner: str | None = None) -> httpx.Response:
    """9102 as openhis sends it; the raw HTTP response (its body is the file, or a refusal's envelope)."""
    node = {"file_qury_no": file_qury_no, "filename": filename, "fixmedins_code": owner or client.fixmedins_code}
    body = json.dumps(client.envelope("9102", {"fsDownloadIn": node}, client.new_msgid()), ensure_ascii=False)
    assert client.http is not None
    return client.http.post(PATH, content=body.encode(), headers=client.headers())


def envelope_of(response: httpx.Response) -> dict[str, Any]:
    """A refused download's envelope."""
    assert response.headers["content-type"].startswith("application/json"), response.headers
    return dict(response.json())


def demo_items(*kinds: str) -> list[dict[str, str]]:
    """The demo catalogue's rows of these kinds, from its data file."""
    text = resources.files("gongji.service").joinpath("data", "demo_catalogue.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return [row for row in rows if row["kind"] in kinds]


def unzipped(content: bytes, filename: str) -> list[list[str]]:
    """The lines of a catalogue zip, split on tabs; the one entry is named as the file less ``.zip``."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.namelist() == [filename.removesuffix(".zip")]
        text = archive.read(archive.namelist()[0]).decode("utf-8")
    return [line.split("\t") for line in text.splitlines()]


# --- 9101 / 9102 -----------------------------------------------------------------------------------------------


def test_a_file_uploaded_as_base64_is_downloaded_as_the_same_bytes(fsi_server: FsiServer) -> None:
    content = b"psn_no\tsetl_id\n13010000000001\t1\n" + bytes(range(256))
    node = {"in": base64.b64encode(content).decode(), "filename": "scmxdz.txt", "fixmedins_code": HOSPITAL}
    uploaded = ok(fsi_server.hospital.call("9101", {"fsUploadIn": node}))
    assert uploaded["filename"] == "scmxdz.txt"
    assert len(uploaded["file_qury_no"]) <= 30
    assert uploaded["dld_endtime"]

    response = download(fsi_server.hospital, uploaded["file_qury_no"], "scmxdz.txt")
    assert response.status_code == 200
    assert response.content == content
    assert response.headers["content-type"] == "application/octet-stream"


def test_a_file_uploaded_as_java_signed_bytes_keeps_every_byte(fsi_server: FsiServer) -> None:
    content = bytes([0, 1, 127, 128, 200, 255])
    node = {"in": [0, 1, 127, -128, -56, -1], "filename": "bytes.bin", "fixmedins_code": HOSPITAL}
    uploaded = ok(fsi_server.hospital.call("9101", {"fsUploadIn": node}))
    assert download(fsi_server.hospital, uploaded["file_qury_no"], "bytes.bin").content == content


def test_another_institutions_file_is_not_found_and_a_wrong_name_neither(fsi_server: FsiServer) -> None:
    node = {"in": base64.b64encode(b"mine").decode(), "filename": "own.txt", "fixmedins_code": HOSPITAL}
    number = ok(fsi_server.hospital.call("9101", {"fsUploadIn": node}))["file_qury_no"]

    other = envelope_of(download(fsi_server.pharmacy, number, "own.txt", PHARMACY))
    assert other["infcode"] == -2
    assert "FILE_NOT_FOUND" in other["err_msg"]
    wrong_name = envelope_of(download(fsi_server.hospital, number, "other.txt"))
    assert wrong_name["infcode"] == -2
    assert "FILE_NOT_FOUND" in wrong_name["err_msg"]


def test_an_upload_naming_another_institution_is_refused(fsi_server: FsiServer) -> None:
    node = {"in": base64.b64encode(b"x").decode(), "filename": "x.txt", "fixmedins_code": PHARMACY}
    refused(fsi_server.hospital.call("9101", {"fsUploadIn": node}), "fixmedins_code")


def test_a_file_over_the_limit_is_refused_by_its_size(fsi_server: FsiServer) -> None:
    big = base64.b64encode(bytes(MAX_FILE_BYTES + 1)).decode()
    node = {"in": big, "filename": "big.bin", "fixmedins_code": HOSPITAL}
    message = refused(fsi_server.hospital.call("9101", {"fsUploadIn": node}), "FILE_TOO_LARGE")
    assert str(MAX_FILE_BYTES) in message


def test_content_that_is_neither_base64_nor_bytes_is_refused(fsi_server: FsiServer) -> None:
    for bad in ("not base64!", [1, 2, 300], {"a": 1}):
        node = {"in": bad, "filename": "bad.bin", "fixmedins_code": HOSPITAL}
        refused(fsi_server.hospital.call("9101", {"fsUploadIn": node}), "fsUploadIn.in")


# --- catalogue downloads ---------------------------------------------------------------------------------------


def test_1301_lists_every_drug_of_the_catalogue_in_the_national_columns(fsi_server: FsiServer) -> None:
    made = ok(fsi_server.hospital.call("1301", {"data": {"ver": "0"}}))
    drugs = demo_items("drug")
    assert made["data_cnt"] == made["data_cn"] == str(len(drugs))
    assert made["dld_endtime"] == made["dld_end_time"]

    response = download(fsi_server.hospital, made["file_qury_no"], made["filename"], "plc")
    assert response.headers["content-type"] == "application/zip"
    lines = unzipped(response.content, made["filename"])
    assert {len(line) for line in lines} == {92}  # openhis OutputDownload13.cs: 92 columns
    by_code = {line[0]: line for line in lines}
    assert set(by_code) == {row["code"] for row in drugs}
    for row in drugs:
        line = by_code[row["code"]]
        assert line[1] == row["name"]  # 药品商品名
        assert line[78] == "1"  # 有效标志
        assert line[91] == {"A": "01", "B": "02", "C": "03"}[row["category"]]  # 甲乙类
        assert line[82].isdigit()  # 版本号


def test_a_download_from_the_latest_version_is_empty(fsi_server: FsiServer) -> None:
    made = ok(fsi_server.hospital.call("1306", {"data": {"ver": "0"}}))
    lines = unzipped(download(fsi_server.hospital, made["file_qury_no"], made["filename"]).content, made["filename"])
    assert {line[0] for line in lines} == {row["code"] for row in demo_items("consumable")}
    latest = max(line[69] for line in lines)  # 版本号 of 1306

    again = ok(fsi_server.hospital.call("1306", {"data": {"ver": latest}}))
    assert again["data_cnt"] == "0"
    assert (
        unzipped(download(fsi_server.hospital, again["file_qury_no"], again["filename"]).content, again["filename"])
        == []
    )


def test_1305_lists_services_and_examinations(fsi_server: FsiServer) -> None:
    made = ok(fsi_server.pharmacy.call("1305", {"data": {"ver": 0}}))
    content = download(fsi_server.pharmacy, made["file_qury_no"], made["filename"], "plc").content
    lines = unzipped(content, made["filename"])
    assert {len(line) for line in lines} == {16}
    assert {(line[0], line[9]) for line in lines} == {(r["code"], r["name"]) for r in demo_items("service", "test")}


def test_a_catalogue_gongji_keeps_no_data_for_is_a_file_of_no_lines(fsi_server: FsiServer) -> None:
    for infno in ("1302", "1307", "1313", "1314", "1315"):
        made = ok(fsi_server.hospital.call(infno, {"data": {"ver": "0"}}))
        assert made["data_cnt"] == "0"
        content = download(fsi_server.hospital, made["file_qury_no"], made["filename"], "plc").content
        assert unzipped(content, made["filename"]) == []


def test_a_replayed_download_message_answers_the_same_file(fsi_server: FsiServer) -> None:
    msgid = fsi_server.hospital.new_msgid()
    first = ok(fsi_server.hospital.call("1301", {"data": {"ver": "0"}}, msgid=msgid))
    assert ok(fsi_server.hospital.call("1301", {"data": {"ver": "0"}}, msgid=msgid)) == first


def test_a_version_that_is_not_digits_is_refused(fsi_server: FsiServer) -> None:
    refused(fsi_server.hospital.call("1301", {"data": {"ver": "v1.2"}}), "ver")


def test_a_catalogue_file_made_for_one_institution_is_not_anothers(fsi_server: FsiServer) -> None:
    made = ok(fsi_server.hospital.call("1305", {"data": {"ver": "0"}}))
    other = envelope_of(download(fsi_server.pharmacy, made["file_qury_no"], made["filename"], "plc"))
    assert other["infcode"] == -2
    assert "FILE_NOT_FOUND" in other["err_msg"]


# --- catalogue queries (1304, 1312, 1316-1319) -----------------------------------------------------------------


def query(client: HisClient, infno: str, **data: Any) -> Any:
    """A catalogue query as openhis fills ``Input_1312.cs`` and its siblings (page numbers as text)."""
    base = {"insu_admdvs": "130100", "updt_time": "2000-01-01 00:00:00", "page_num": "1", "page_size": "100"}
    return ok(client.call(infno, {"data": base | data}))


def test_1312_pages_through_the_whole_catalogue(fsi_server: FsiServer) -> None:
    everything = demo_items("drug", "service", "test", "consumable")
    first = query(fsi_server.hospital, "1312", page_size="20")
    assert first["recordCounts"] == len(everything)
    assert first["pages"] == -(-len(everything) // 20)
    seen = [row["hilist_code"] for row in first["data"]]
    for page in range(2, first["pages"] + 1):
        seen += [
            row["hilist_code"] for row in query(fsi_server.hospital, "1312", page_size="20", page_num=page)["data"]
        ]
    assert sorted(seen) == sorted(row["code"] for row in everything)
    by_code = {row["code"]: row for row in everything}
    for row in first["data"]:
        assert row["hilist_name"] == by_code[row["hilist_code"]]["name"]
        assert row["chrgitm_lv"] == {"A": "01", "B": "02", "C": "03"}[by_code[row["hilist_code"]]["category"]]
        assert row["insu_admdvs"] == "130100"


def test_1312_finds_one_item_by_its_code(fsi_server: FsiServer) -> None:
    found = query(fsi_server.hospital, "1312", hilist_code="001102000010000")
    assert [(row["hilist_code"], row["hilist_name"]) for row in found["data"]] == [
        ("001102000010000", "普通门诊诊查费")
    ]


def test_1318_lists_the_price_caps_and_1319_the_self_pay_shares(fsi_server: FsiServer) -> None:
    caps = {
        row["code"]: Decimal(row["price_cap_yuan"])
        for row in demo_items("drug", "service", "test", "consumable")
        if row["price_cap_yuan"]
    }
    listed = query(fsi_server.hospital, "1318", page_size="1000")["data"]
    assert {row["hilist_code"]: row["hilist_pric_uplmt_amt"] for row in listed} == caps

    shares = {
        row["code"]: Decimal(row["self_pay_pct"]) / 100
        for row in demo_items("drug", "service", "test", "consumable")
        if row["category"] == "B" and row["self_pay_pct"]
    }
    listed = query(fsi_server.hospital, "1319", page_size="1000")["data"]
    assert {row["hilist_code"]: row["selfpay_prop"] for row in listed} == shares


def test_queries_of_catalogues_gongji_does_not_keep_answer_an_empty_page(fsi_server: FsiServer) -> None:
    for infno in ("1304", "1317"):
        page = query(fsi_server.hospital, infno)
        assert (page["recordCounts"], page["data"]) == (0, [])


def test_items_unchanged_since_the_given_time_are_not_listed(fsi_server: FsiServer) -> None:
    assert query(fsi_server.hospital, "1312", updt_time="2099-01-01 00:00:00")["recordCounts"] == 0


def test_a_page_size_beyond_the_limit_is_refused(fsi_server: FsiServer) -> None:
    answer = fsi_server.hospital.call("1312", {"data": {"updt_time": "2000-01-01", "page_num": 1, "page_size": 5000}})
    refused(answer, "page_size")
