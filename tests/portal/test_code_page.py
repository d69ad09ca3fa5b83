"""The 医保码 page, on SQLite and PostgreSQL: the person's card number, his code shown as a QR image with its text (a
voucher a terminal then reads as ``mdtrt_cert_type`` 01), shown once and refreshed, and a relative's code shown
through the 亲情账户 the demo's 张建国 holds for his mother 赵桂兰 — and nobody else's."""

from __future__ import annotations

import re
from urllib.parse import unquote

import httpx
import pytest

from gongji.domain.errors import ErrorCode, GongjiError
from gongji.service.credentials import resolve_credential, show_card
from gongji.service.demo import DEFU, GUILAN, JIANGUO
from gongji.service.people import show_person
from tests.helpers import person_id, snapshot
from tests.portal.conftest import Site, Visitor

_TOKEN = re.compile(r'id="voucher-token"[^>]*>([0-9a-z]+)<')
_IDEM = re.compile(r'name="idem" value="([^"]+)"')


def _token(page: httpx.Response) -> str:
    found = _TOKEN.search(page.text)
    assert found, page.text
    return found.group(1)


def _idem(page: httpx.Response) -> str:
    found = _IDEM.search(page.text)
    assert found
    return found.group(1)


@pytest.fixture
def jianguo(site: Site) -> Visitor:
    return site.signed_in(JIANGUO)


def test_the_page_shows_the_card_and_the_relatives_whose_code_he_may_show(site: Site, jianguo: Visitor) -> None:
    page = jianguo.get("/portal/code")
    assert page.status_code == 200
    assert show_card(site.ctx, JIANGUO).card_no in page.text
    assert "出示我的医保码" in page.text
    assert "出示 " in page.text
    assert "赵桂兰" in page.text
    assert f"/portal/code/relatives/{person_id(site.ctx, GUILAN)}" in page.text
    assert "voucher-token" not in page.text  # no code is made by merely opening the page
    english = jianguo.get("/portal/code?lang=en")
    assert "Show my 医保码" in english.text


def test_showing_the_code_gives_a_qr_image_and_the_voucher_a_terminal_reads(site: Site, jianguo: Visitor) -> None:
    form = jianguo.get("/portal/code")
    shown = jianguo.post("/portal/code", {"idem": _idem(form)})
    assert shown.status_code == 200
    token = _token(shown)
    assert re.search(r'<img src="data:image/svg\+xml[^"]+" width="\d+" height="\d+" alt="[^"]*医保码', shown.text)
    assert "svg" in unquote(shown.text)
    holder = resolve_credential(site.ctx, "01", token)
    assert holder.psn_no == show_person(site.ctx, JIANGUO).psn_no
    assert shown.headers["cache-control"] == "no-store"


def test_a_resubmitted_form_does_not_show_the_code_again_and_refresh_revokes_the_old_one(
    site: Site, jianguo: Visitor
) -> None:
    form = jianguo.get("/portal/code")
    idem = _idem(form)
    first = jianguo.post("/portal/code", {"idem": idem})
    token = _token(first)
    again = jianguo.post("/portal/code", {"idem": idem})
    assert again.status_code == 200
    assert "voucher-token" not in again.text
    assert "不再显示" in again.text
    refreshed = jianguo.post("/portal/code", {"idem": _idem(again)})
    assert _token(refreshed) != token
    with pytest.raises(GongjiError) as revoked:
        resolve_credential(site.ctx, "01", token)
    assert revoked.value.code is ErrorCode.VOUCHER_REVOKED


def test_the_proxy_link_holder_shows_his_mothers_code(site: Site, jianguo: Visitor) -> None:
    form = jianguo.get("/portal/code")
    shown = jianguo.post(f"/portal/code/relatives/{person_id(site.ctx, GUILAN)}", {"idem": _idem(form)})
    assert shown.status_code == 200
    assert "赵桂兰" in shown.text
    assert "通过亲情账户出示" in shown.text
    assert resolve_credential(site.ctx, "01", _token(shown)).certno == GUILAN


def test_nobody_elses_code_and_no_post_without_the_csrf_token(site: Site, jianguo: Visitor) -> None:
    form = jianguo.get("/portal/code")
    before = snapshot(site.engine)
    father = jianguo.post(f"/portal/code/relatives/{person_id(site.ctx, DEFU)}", {"idem": _idem(form)})
    assert father.status_code == 403
    nobody = jianguo.post("/portal/code/relatives/999999", {"idem": _idem(form)})
    assert nobody.status_code == 403
    forged = jianguo.post("/portal/code", {"idem": _idem(form)}, csrf=False)
    assert forged.status_code == 403
    assert snapshot(site.engine) == before


def test_signed_out_visitors_are_sent_to_sign_in(site: Site) -> None:
    answer = site.visitor().get("/portal/code")
    assert answer.status_code in (302, 303)
    assert "sign-in" in answer.headers["location"]
