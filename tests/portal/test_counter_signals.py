"""The counter's review queue of fraud signals, on SQLite and PostgreSQL: an operator sees his regions' signals,
highest score first, opens one with its evidence, and marks it confirmed once; another region's is the 403 page."""

from __future__ import annotations

from datetime import date, datetime

from gongji.service.clock import SHANGHAI
from gongji.service.signals.queue import list_signals
from gongji.service.signals.rules import Found
from tests.portal.conftest import Site, counter_operator

_DAY = date(2026, 11, 2)


def _keep(site: Site, *found: Found) -> None:
    def keep(uow: object) -> None:
        uow.signals.keep(list(found), datetime(2026, 11, 22, 10, tzinfo=SHANGHAI))  # type: ignore[attr-defined]
        uow.commit()  # type: ignore[attr-defined]

    site.ctx.transaction(keep)


def test_an_operator_reviews_his_regions_signals_once_and_the_audit_says_so(site: Site) -> None:
    subject = 900_000 + len(site.clients)  # a subject of this test only: the site is shared by the module
    _keep(
        site,
        Found("card_many_buyers", "130100", "person", subject, 95, _DAY, _DAY, {"buyers": ["***0019", "***0027"]}),
        Found("card_two_regions", "110000", "person", subject, 90, _DAY, _DAY, {"pairs": []}),
    )
    mine = next(s for s in list_signals(site.ctx, regions=["130100"]) if s.subject_id == subject)
    theirs = next(s for s in list_signals(site.ctx, regions=["110000"]) if s.subject_id == subject)
    visitor, _ = counter_operator(site, "130100")

    queue = visitor.get("/portal/counter/signals")
    assert queue.status_code == 200
    assert "多人持卡购药（代买药）" in queue.text
    assert f"/portal/counter/signals/{mine.id}" in queue.text
    assert f"/portal/counter/signals/{theirs.id}" not in queue.text
    assert visitor.get(f"/portal/counter/signals/{theirs.id}").status_code == 403

    page = visitor.get(f"/portal/counter/signals/{mine.id}")
    assert page.status_code == 200
    assert "***0027" in page.text
    done = visitor.post(f"/portal/counter/signals/{mine.id}/review", {"status": "confirmed", "note": "已核实"})
    assert done.status_code == 303, done.text
    shown = visitor.get(done.headers["location"])
    assert "属实" in shown.text
    assert "已核实" in shown.text
    again = visitor.post(f"/portal/counter/signals/{mine.id}/review", {"status": "dismissed", "note": "x"})
    assert again.status_code == 422
    assert "不能再次处理" in again.text
    audit = visitor.get("/portal/counter/audit")
    assert audit.text.count("处理风险信号") >= 2  # the review, and the refused second one
    assert f"/portal/counter/signals/{mine.id}" not in visitor.get("/portal/counter/signals").text
    assert f"/portal/counter/signals/{mine.id}" in visitor.get("/portal/counter/signals?status=confirmed").text
