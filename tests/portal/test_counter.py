"""Counter staff in the portal, on SQLite and PostgreSQL: operator sign-in with an operator token, region scoping,
a binding on documents checked at the counter, suspension, CSRF refusal, and the audit rows every action writes."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

from sqlalchemy import func, select

from gongji.domain.identity import mask_id_number
from gongji.service.demo import DEMO_FAMILY
from gongji.service.relations import queries
from gongji.store import tables as t
from tests.portal.conftest import Site, Visitor, counter_operator, new_person


def operator(site: Site, *regions: str) -> Visitor:
    """A browser signed in as an operator of ``regions``."""
    return counter_operator(site, *regions)[0]


def audit_rows(site: Site) -> int:
    with site.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.operator_actions)).scalar_one())


def test_a_bad_token_is_refused(site: Site) -> None:
    visitor = site.visitor()
    visitor.get("/portal/counter/sign-in")
    answer = visitor.post("/portal/counter/sign-in", {"token": "gj_nothing"})
    assert answer.status_code == 400
    assert "令牌无效" in answer.text
    assert visitor.get("/portal/counter").status_code == 303


def test_an_operator_binds_a_sibling_at_once_and_it_is_audited(site: Site) -> None:
    me = new_person(site.ctx, "冯刚", date(1980, 2, 1), prior_fen=80_000)
    sister = new_person(site.ctx, "冯梅", date(1983, 5, 1), female=True)
    visitor = operator(site, "130100")
    found = (visitor.get("/portal/counter"), visitor.post("/portal/counter", {"q": me}))[1]
    assert found.status_code == 200
    assert mask_id_number(me) in found.text
    assert me not in found.text
    psn = queries.family(site.ctx, me).psn_no
    assert visitor.get(f"/portal/counter/people/{psn}").status_code == 200
    before = audit_rows(site)
    refused = visitor.post(
        f"/portal/counter/people/{psn}/bind", {"relation_type": "sibling", "relative": sister}, csrf=False
    )
    assert refused.status_code == 403
    answer = visitor.post(
        f"/portal/counter/people/{psn}/bind",
        {"relation_type": "sibling", "relative": sister, "proof_reference": "户口簿 2026-001"},
    )
    assert answer.status_code == 303, answer.text
    states = [r.state for r in queries.family(site.ctx, me).i_pay_for]
    assert states == ["effective"]
    assert audit_rows(site) == before + 1
    audit = visitor.get("/portal/counter/audit").text
    assert "窗口绑定" in audit
    assert mask_id_number(me) in audit
    assert me not in audit


def test_an_operator_suspends_and_resumes(site: Site) -> None:
    me = new_person(site.ctx, "卫东", date(1975, 2, 1))
    visitor = operator(site, "130100")
    psn = queries.family(site.ctx, me).psn_no
    visitor.get(f"/portal/counter/people/{psn}")
    assert visitor.post(f"/portal/counter/people/{psn}/suspend", {"reason": "核查中"}).status_code == 303
    page = visitor.get(f"/portal/counter/people/{psn}?notice=suspend").text
    assert "核查中" in page
    assert visitor.post(f"/portal/counter/people/{psn}/resume", {}).status_code == 303
    assert "已恢复" in visitor.get(f"/portal/counter/people/{psn}").text


def test_an_operator_sees_only_his_regions(site: Site) -> None:
    me = new_person(site.ctx, "韩雪", date(1985, 2, 1), female=True)
    visitor = operator(site, "110000")
    psn = queries.family(site.ctx, me).psn_no
    assert visitor.get(f"/portal/counter/people/{psn}").status_code == 403
    assert (
        mask_id_number(me) not in (visitor.get("/portal/counter"), visitor.post("/portal/counter", {"q": me}))[1].text
    )
    visitor.get("/portal/counter")
    assert mask_id_number(me) not in visitor.post("/portal/counter", {"q": "韩雪"}).text
    # by name, an operator of her region finds her (masked)
    local = operator(site, "130100")
    local.get("/portal/counter")
    by_name = local.post("/portal/counter", {"q": "韩雪"}).text
    assert mask_id_number(me) in by_name
    assert me not in by_name
    person = site.signed_in(me)
    assert person.get("/portal/counter").status_code == 303


def test_an_operator_ends_a_relation_and_adds_and_ends_a_proxy_link(site: Site) -> None:
    me = new_person(site.ctx, "蒋文", date(1979, 3, 1), prior_fen=50_000)
    brother = new_person(site.ctx, "蒋武", date(1982, 7, 1))
    visitor = operator(site, "130100")
    psn = queries.family(site.ctx, me).psn_no
    visitor.get(f"/portal/counter/people/{psn}")
    bound = visitor.post(
        f"/portal/counter/people/{psn}/bind",
        {"relation_type": "sibling", "relative": brother, "proof_reference": "户口簿 2026-002"},
    )
    assert bound.status_code == 303, bound.text
    relation = queries.family(site.ctx, me).i_pay_for[0]
    visitor.get(f"/portal/counter/people/{psn}")
    before = audit_rows(site)
    # Ended from a page of someone who is not a party to it: refused (the audit would name the wrong person).
    stranger = queries.family(site.ctx, new_person(site.ctx, "路人", date(1970, 1, 1))).psn_no
    visitor.get(f"/portal/counter/people/{stranger}")
    wrong = visitor.post(f"/portal/counter/relations/{relation.id}/end", {"psn_no": stranger})
    assert wrong.status_code == 422
    assert "RELATION_NOT_FOUND" in visitor.get("/portal/counter/audit").text
    assert queries.relation(site.ctx, relation.id).state == "effective"
    visitor.get(f"/portal/counter/people/{psn}")
    ended = visitor.post(f"/portal/counter/relations/{relation.id}/end", {"psn_no": psn, "note": "本人申请"})
    assert ended.status_code == 303, ended.text
    # family() lists open relations only: the ended one leaves "whom I pay for", and is ended for good.
    assert queries.family(site.ctx, me).i_pay_for == []
    assert queries.relation(site.ctx, relation.id).state == "ended"
    visitor.get(f"/portal/counter/people/{psn}")
    added = visitor.post(f"/portal/counter/people/{psn}/proxy", {"relative": brother})
    assert added.status_code == 303, added.text
    assert [p.relative for p in queries.family(site.ctx, me).proxy_links] == ["蒋武"]
    visitor.get(f"/portal/counter/people/{psn}")
    removed = visitor.post(f"/portal/counter/people/{psn}/proxy/end", {"relative": brother})
    assert removed.status_code == 303, removed.text
    # family() keeps ended proxy links in the list, marked with when they ended.
    links = queries.family(site.ctx, me).proxy_links
    assert [(p.relative, p.ended_at is not None) for p in links] == [("蒋武", True)]
    # ... but the counter's page lists only the links in force: none are left
    assert "蒋武" not in visitor.get(f"/portal/counter/people/{psn}").text
    assert audit_rows(site) == before + 4  # the refused end, the end, the proxy link added and ended


def test_an_operator_enters_a_manual_claim_and_opens_its_settlement(site: Site) -> None:
    me = new_person(site.ctx, "陶然", date(1970, 9, 1), prior_fen=100_000)
    visitor = operator(site, "130100")
    psn = queries.family(site.ctx, me).psn_no
    visitor.get(f"/portal/counter/people/{psn}")
    form = [
        ("institution", "H13010200001"),
        ("med_type", "11"),
        ("visit_date", "2026-11-20"),
        ("issuer", "石家庄市示例第一医院"),
        ("receipt_no", "PJ-2026-0001"),
        ("reason", "异地未联网"),
        ("item_code", "001102000010000"),
        ("quantity", "1"),
        ("unit_price", "10.00"),
    ]
    answer = visitor.post(f"/portal/counter/people/{psn}/claim", form)
    assert answer.status_code == 200, answer.text
    # The claim is settled at once: its settlement is linked from the page and opens with its explanation.
    link = re.search(r"/portal/counter/settlements/(\w+)", answer.text)
    assert link is not None, answer.text
    page = visitor.get(f"/portal/counter/settlements/{link.group(1)}")
    assert page.status_code == 200
    assert me not in page.text
    # The same receipt twice is refused on the page, and audited as refused.
    visitor.get(f"/portal/counter/people/{psn}")
    again = visitor.post(f"/portal/counter/people/{psn}/claim", form)
    assert again.status_code == 422
    assert "CLAIM_RECEIPT_USED" in visitor.get("/portal/counter/audit").text
    with site.engine.connect() as conn:
        claims = conn.execute(
            select(t.operator_actions.c.refused_code, t.operator_actions.c.detail)
            .where(t.operator_actions.c.action == "claim")
            .order_by(t.operator_actions.c.id)
        ).all()
    assert [code for code, _ in claims] == [None, "CLAIM_RECEIPT_USED"]
    assert claims[0].detail.startswith("claim ")  # the done one says what it made
    assert claims[1].detail is None


def test_an_operator_signs_out_to_the_counter_sign_in(site: Site) -> None:
    visitor = operator(site, "130100")
    visitor.get("/portal/counter")
    answer = visitor.post("/portal/sign-out", {})
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/portal/counter/sign-in")
    assert visitor.get("/portal/counter").status_code == 303


def test_the_audit_page_lists_the_operators_regions_and_his_own_sign_ins(site: Site) -> None:
    me = new_person(site.ctx, "欧阳", date(1971, 8, 1))
    shijiazhuang = operator(site, "130100")
    psn = queries.family(site.ctx, me).psn_no
    shijiazhuang.get(f"/portal/counter/people/{psn}")
    assert shijiazhuang.post(f"/portal/counter/people/{psn}/suspend", {"reason": "核查"}).status_code == 303
    beijing = operator(site, "110000")
    theirs = beijing.get("/portal/counter/audit").text
    # Beijing's operator sees his own sign-in (no region) but nothing done in Shijiazhuang.
    assert ">登录</td>" in theirs
    assert mask_id_number(me) not in theirs
    assert mask_id_number(me) in shijiazhuang.get("/portal/counter/audit").text


class _Rows(HTMLParser):
    """Every table row of a page, as the whitespace-normalised text of its cells."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_rows(html: str) -> list[list[str]]:
    """The data rows (rows with cells) of every table of ``html``."""
    parser = _Rows()
    parser.feed(html)
    return [row for row in parser.rows if row]


def test_the_counter_shows_a_familys_whole_picture(site: Site) -> None:
    """The demo family as the counter sees it: 张建国's quota for his son used up by the pharmacy purchase, the son's
    payers in order, and every settlement of the year linked to its explanation."""
    visitor = operator(site, "130100")
    father = queries.family(site.ctx, DEMO_FAMILY[0].certno)
    son = queries.family(site.ctx, DEMO_FAMILY[2].certno)
    page = visitor.get(f"/portal/counter/people/{father.psn_no}")
    assert page.status_code == 200
    rows = table_rows(page.text)
    assert ["张小明", "子女", "生效中", "50.00 元", "50.00", "0.00", "解除"] in rows
    assert any(row[:3] == ["李秀英", "配偶", "生效中"] for row in rows)
    # his account paid for his wife's visit and his son's purchase: both listed, each with its explanation
    paid = [row for row in rows if len(row) == 10]
    assert sorted(row[1] for row in paid) == ["张小明", "李秀英"]
    links = set(re.findall(r"/portal/counter/settlements/(\w+)", page.text))
    assert len(links) == 2
    for setl_id in links:
        assert visitor.get(f"/portal/counter/settlements/{setl_id}").status_code == 200
    # the son: paid for by his father first, then his grandfather
    rows = table_rows(visitor.get(f"/portal/counter/people/{son.psn_no}").text)
    assert [row[:2] for row in rows if len(row) == 5] == [["1", "张建国"], ["2", "张德福"]]


def test_a_binding_to_a_relative_outside_the_operators_regions_is_refused_without_naming_her(site: Site) -> None:
    """张丽 is insured in Beijing: an operator of Shijiazhuang only may not bind her to 张建国 (the binding's own
    refusal would name her); an operator of both regions reaches the binding's rules."""
    jianguo, zhangli = DEMO_FAMILY[0], DEMO_FAMILY[5]
    psn = queries.family(site.ctx, jianguo.certno).psn_no
    form = {"relation_type": "sibling", "relative": zhangli.certno, "proof_reference": "户口簿 2026-002"}
    local = operator(site, "130100")
    local.get(f"/portal/counter/people/{psn}")
    refused = local.post(f"/portal/counter/people/{psn}/bind", form)
    assert refused.status_code == 422
    assert "未获统筹区 110000 的授权" in refused.text  # refused for the region, before any rule about her is read
    assert zhangli.name not in refused.text
    both = operator(site, "110000", "130100")
    both.get(f"/portal/counter/people/{psn}")
    reached = both.post(f"/portal/counter/people/{psn}/bind", form)
    assert reached.status_code == 422
    assert "医保钱包" in reached.text  # the geography rule: 张丽 is in another province
    assert [r.beneficiary for r in queries.family(site.ctx, jianguo.certno).i_pay_for if r.state == "requested"] == []
