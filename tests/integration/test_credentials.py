"""People's credentials: the social-security card (社会保障卡) and the electronic voucher (医保电子凭证), and which
person a credential names — each way it can fail refused with its own code, changing nothing."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from gongji.cli import app
from gongji.domain.codes import MedType
from gongji.domain.errors import ErrorCode
from gongji.service.catalogue import load_demo_institutions
from gongji.service.clock import FixedClock
from gongji.service.context import Context
from gongji.service.credentials import (
    IssueCard,
    IssueVoucher,
    ReplaceCard,
    check_credential,
    check_visit_credential,
    issue_card,
    issue_voucher,
    proxied_relatives,
    replace_card,
    resolve_credential,
    resolve_voucher,
    revoke_vouchers,
    show_card,
)
from gongji.service.demo import HOSPITAL
from gongji.service.people import RegisterPerson, register_person, show_person
from gongji.service.relations.proxies import AddProxyLink, add_proxy_link
from gongji.service.settlement import OpenVisit, open_visit
from gongji.store import tables
from tests.helpers import DEFU, GUILAN, JIANGUO, XIUYING, employee, random_key, refused, resident


def _psn_no(ctx: Context, certno: str) -> str:
    return show_person(ctx, certno).psn_no


def test_a_card_is_issued_once_and_names_its_holder_by_number_and_identification_code(ctx: Context) -> None:
    employee(ctx)
    card = issue_card(ctx, IssueCard(JIANGUO), key=random_key())
    assert re.fullmatch(r"[A-Z][0-9]{8}", card.card_no)
    assert re.fullmatch(r"130100D156[0-9A-F]{22}", card.card_sn)
    assert issue_card(ctx, IssueCard(JIANGUO), key=random_key()).card_no == card.card_no  # he keeps his card
    holder = resolve_credential(ctx, "03", f" {card.card_no.lower()} ", card.card_sn.lower())
    assert (holder.psn_no, holder.card_no) == (_psn_no(ctx, JIANGUO), card.card_no)
    assert resolve_credential(ctx, "3", card.card_no).psn_no == holder.psn_no  # a code sent as a number; no card_sn
    assert show_card(ctx, JIANGUO).card_no == card.card_no


def test_the_whole_record_of_the_card_reading_library_names_the_card(ctx: Context) -> None:
    employee(ctx)
    card = issue_card(ctx, IssueCard(JIANGUO), key=random_key())
    record = f"130100|{JIANGUO}|{card.card_no}|{card.card_sn}|张建国|00814E43|3.00|20240101|20340101|T1|D1|"
    assert resolve_credential(ctx, "03", record).psn_no == _psn_no(ctx, JIANGUO)


def test_a_replaced_card_is_refused_as_replaced_and_the_new_one_works(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    old = issue_card(ctx, IssueCard(JIANGUO), key=random_key())
    new = replace_card(ctx, ReplaceCard(JIANGUO), key=random_key())
    assert new.card_no != old.card_no
    assert new.card_sn != old.card_sn
    error = refused(engine, ErrorCode.CARD_REPLACED, lambda: resolve_credential(ctx, "03", old.card_no))
    assert old.card_no not in error.message_zh  # the number is masked
    assert resolve_credential(ctx, "03", new.card_no, new.card_sn).psn_no == _psn_no(ctx, JIANGUO)
    refused(engine, ErrorCode.CARD_SN_MISMATCH, lambda: resolve_credential(ctx, "03", new.card_no, old.card_sn))
    refused(engine, ErrorCode.CARD_NOT_FOUND, lambda: resolve_credential(ctx, "03", "Z00000000", None))


def test_no_credential_for_a_person_who_is_not_enrolled_and_no_card_shown_before_one_is_issued(
    ctx: Context, engine: Engine
) -> None:
    register_person(ctx, RegisterPerson(XIUYING, "李秀英"), key=random_key())
    refused(
        engine, ErrorCode.CREDENTIAL_NEEDS_ENROLLMENT, lambda: issue_card(ctx, IssueCard(XIUYING), key=random_key())
    )
    refused(
        engine,
        ErrorCode.CREDENTIAL_NEEDS_ENROLLMENT,
        lambda: issue_voucher(ctx, IssueVoucher(XIUYING), key=random_key()),
    )
    refused(engine, ErrorCode.CARD_NOT_ISSUED, lambda: show_card(ctx, XIUYING))


def test_a_voucher_is_a_random_token_shown_once_and_kept_only_as_its_hash(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    key = random_key()
    issued = issue_voucher(ctx, IssueVoucher(JIANGUO), key=key)
    token = issued.token
    assert token is not None
    assert re.fullmatch(r"130100ec[a-z2-7]{32}", token)
    assert issued.view.expires_at - issued.view.issued_at == timedelta(hours=12)
    assert resolve_credential(ctx, "01", token).psn_no == _psn_no(ctx, JIANGUO)
    assert resolve_voucher(ctx, token.upper()).psn_no == _psn_no(ctx, JIANGUO)  # typed in capitals at a pharmacy
    replay = issue_voucher(ctx, IssueVoucher(JIANGUO), key=key)
    assert replay.token is None
    assert replay.view == issued.view
    with engine.connect() as conn:
        for table in tables.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                assert all(token not in str(value) for value in row), table.name
    assert issue_voucher(ctx, IssueVoucher(JIANGUO), key=random_key()).token != token


def test_a_voucher_works_for_twelve_hours(ctx: Context, engine: Engine, clock: FixedClock) -> None:
    employee(ctx)
    token = issue_voucher(ctx, IssueVoucher(JIANGUO), key=random_key()).token
    assert token is not None
    clock.advance(timedelta(hours=12) - timedelta(seconds=1))
    assert resolve_credential(ctx, "01", token).psn_no == _psn_no(ctx, JIANGUO)
    clock.advance(timedelta(seconds=1))
    refused(engine, ErrorCode.VOUCHER_EXPIRED, lambda: resolve_credential(ctx, "01", token))


def test_refreshing_or_withdrawing_the_code_revokes_the_earlier_voucher(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    first = issue_voucher(ctx, IssueVoucher(JIANGUO), key=random_key()).token
    second = issue_voucher(ctx, IssueVoucher(JIANGUO), key=random_key()).token
    assert first is not None
    assert second is not None
    refused(engine, ErrorCode.VOUCHER_REVOKED, lambda: resolve_credential(ctx, "01", first))
    assert resolve_credential(ctx, "01", second).psn_no == _psn_no(ctx, JIANGUO)
    assert revoke_vouchers(ctx, JIANGUO, key=random_key()) == 1
    refused(engine, ErrorCode.VOUCHER_REVOKED, lambda: resolve_voucher(ctx, second))


def test_an_electronic_credential_may_be_a_token_with_fields_or_a_decoded_id_number(
    ctx: Context, engine: Engine
) -> None:
    employee(ctx)
    psn_no = _psn_no(ctx, JIANGUO)
    token = issue_voucher(ctx, IssueVoucher(JIANGUO), key=random_key()).token
    assert token is not None
    assert resolve_credential(ctx, "01", f"{token}|{JIANGUO}|张建国").psn_no == psn_no
    assert resolve_credential(ctx, "01", JIANGUO).psn_no == psn_no
    assert resolve_credential(ctx, "02", JIANGUO).psn_no == psn_no
    unknown = "130100ec" + "a" * 32
    refused(engine, ErrorCode.VOUCHER_NOT_FOUND, lambda: resolve_credential(ctx, "01", unknown))
    refused(engine, ErrorCode.VOUCHER_NOT_FOUND, lambda: resolve_voucher(ctx, JIANGUO))  # 1162 decodes codes only
    refused(engine, ErrorCode.VOUCHER_NOT_FOUND, lambda: resolve_credential(ctx, "01", "not-a-token"))
    refused(engine, ErrorCode.CREDENTIAL_TYPE_UNKNOWN, lambda: resolve_credential(ctx, "04", JIANGUO))
    refused(engine, ErrorCode.ID_NUMBER_INVALID, lambda: resolve_credential(ctx, "02", "123456"))


def test_a_proxy_link_holder_shows_his_relatives_code_and_nobody_else_can(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    resident(ctx, GUILAN, "赵桂兰")
    employee(ctx, DEFU, "张德福")
    add_proxy_link(ctx, AddProxyLink(JIANGUO, GUILAN), key=random_key())
    assert [r.name for r in proxied_relatives(ctx, JIANGUO)] == ["赵桂兰"]
    assert proxied_relatives(ctx, DEFU) == []
    issued = issue_voucher(ctx, IssueVoucher(GUILAN, shown_by=JIANGUO), key=random_key())
    assert issued.token is not None
    assert issued.view.shown_by == "张建国"
    assert resolve_credential(ctx, "01", issued.token).psn_no == _psn_no(ctx, GUILAN)
    refused(
        engine,
        ErrorCode.PROXY_LINK_NOT_FOUND,
        lambda: issue_voucher(ctx, IssueVoucher(GUILAN, shown_by=DEFU), key=random_key()),
    )


def test_a_credential_of_another_person_than_the_visits_is_refused(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    employee(ctx, DEFU, "张德福")
    mine, fathers = _psn_no(ctx, JIANGUO), _psn_no(ctx, DEFU)
    card = issue_card(ctx, IssueCard(JIANGUO), key=random_key())
    assert check_credential(ctx, "03", card.card_no, mine) is not None
    assert check_credential(ctx, "02", None, fathers) is None  # nothing to check
    error = refused(
        engine, ErrorCode.CREDENTIAL_OTHER_PERSON, lambda: check_credential(ctx, "03", card.card_no, fathers)
    )
    assert "张德福" in error.message_zh
    refused(engine, ErrorCode.CREDENTIAL_OTHER_PERSON, lambda: check_credential(ctx, "02", JIANGUO, fathers))


@pytest.mark.parametrize("cert_type", ["01", "03"])
def test_an_unknown_credential_is_refused_as_unknown_never_as_someone(
    ctx: Context, engine: Engine, cert_type: str
) -> None:
    employee(ctx)
    code = ErrorCode.VOUCHER_NOT_FOUND if cert_type == "01" else ErrorCode.CARD_NOT_FOUND
    refused(engine, code, lambda: check_credential(ctx, cert_type, "A12345678", _psn_no(ctx, JIANGUO)))


def test_the_card_and_voucher_commands(ctx: Context, database_url: str) -> None:
    employee(ctx)
    runner = CliRunner()
    env = {"GONGJI_DATABASE_URL": database_url, "GONGJI_NOW": "2026-11-22T10:00:00+08:00", "COLUMNS": "200"}

    def gongji(*args: str) -> dict[str, object]:
        result = runner.invoke(app, [*args, "--json"], env=env)
        assert result.exit_code == 0, result.output
        loaded: dict[str, object] = json.loads(result.output)
        return loaded

    issued = gongji("card", "issue", JIANGUO)
    assert gongji("card", "show", JIANGUO)["card_no"] == issued["card_no"]
    assert gongji("card", "replace", JIANGUO)["card_no"] != issued["card_no"]
    voucher = gongji("voucher", "issue", JIANGUO, "--key", "cli-voucher")
    assert isinstance(voucher["token"], str)
    assert resolve_credential(ctx, "01", voucher["token"]).psn_no == _psn_no(ctx, JIANGUO)
    assert gongji("voucher", "issue", JIANGUO, "--key", "cli-voucher")["token"] is None


def test_a_settlement_credential_must_be_the_visits_patients(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    employee(ctx, DEFU, "张德福")
    load_demo_institutions(ctx)
    visit = open_visit(ctx, OpenVisit(DEFU, HOSPITAL, MedType.GENERAL_OUTPATIENT), key=random_key())
    his_card, my_card = (issue_card(ctx, IssueCard(who), key=random_key()) for who in (DEFU, JIANGUO))
    assert check_visit_credential(ctx, "03", his_card.card_no, visit.mdtrt_id, his_card.card_sn) is not None
    assert check_visit_credential(ctx, "03", None, visit.mdtrt_id) is None
    assert check_visit_credential(ctx, "03", my_card.card_no, "no-such-visit") is None  # the settlement refuses it
    error = refused(
        engine,
        ErrorCode.CREDENTIAL_OTHER_PERSON,
        lambda: check_visit_credential(ctx, "03", my_card.card_no, visit.mdtrt_id),
    )
    assert "张德福" in error.message_zh


def test_a_replayed_message_is_not_checked_again_once_its_write_happened(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    load_demo_institutions(ctx)
    token = issue_voucher(ctx, IssueVoucher(JIANGUO), key=random_key()).token
    assert token is not None
    key = random_key()
    visit = open_visit(ctx, OpenVisit(JIANGUO, HOSPITAL, MedType.GENERAL_OUTPATIENT), key=key)
    revoke_vouchers(ctx, JIANGUO, key=random_key())  # the voucher the visit was opened with is gone since
    assert check_visit_credential(ctx, "01", token, visit.mdtrt_id, key=key) is None
    assert check_credential(ctx, "01", token, _psn_no(ctx, JIANGUO), key=key) is None
    refused(engine, ErrorCode.VOUCHER_REVOKED, lambda: check_visit_credential(ctx, "01", token, visit.mdtrt_id))
    fresh = random_key()
    refused(
        engine, ErrorCode.VOUCHER_REVOKED, lambda: check_visit_credential(ctx, "01", token, visit.mdtrt_id, key=fresh)
    )
