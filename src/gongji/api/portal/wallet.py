"""The signed-in person's 医保钱包 (wallet) page: open or close it, the balance he may spend, transfers waiting for
him to accept, what he set aside for relatives, a transfer to a close relative, and the history with the other
party named.

::

    GET   /wallet                                   the wallet, the transfer form and the national limits
    POST  /wallet/open                              开通医保钱包
    POST  /wallet/close                             注销医保钱包 (what is left unspent goes back to its senders)
    POST  /wallet/transfers                         转账 to a close relative (ID number and name, amount, relation,
                                                    face verification or the 医保码 password)
    POST  /wallet/transfers/{id}/accept             接收 a transfer waiting for me
    POST  /wallet/transfers/{id}/decline            拒收 it (the money goes back to the sender at once)

A transfer that is not to the signed-in person is the same 403 page whether it exists or not. The receiver is named
by ID number *and* name (as on the binding form), so the form cannot be used to learn who holds a number. Refusals
are shown on the wallet page in the person's language; writes run under the form's idempotency key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from gongji.api.portal.deps import CheckedForm, CurrentPerson, Form, PortalDep, SignedInPerson, new_idem, write_key
from gongji.api.portal.errors import Forbidden
from gongji.api.portal.render import redirect, render, translator
from gongji.api.portal.state import Portal
from gongji.domain.codes import RelationType
from gongji.domain.errors import GongjiError, InvalidInput, NotFound
from gongji.domain.identity import ResidentId
from gongji.domain.money import parse_yuan
from gongji.domain.wallet import TransferStatus
from gongji.rules import parameters as params
from gongji.rules.book import Resolved
from gongji.rules.schema import Parameter
from gongji.service import household
from gongji.service.checks import rule_trace_views
from gongji.service.views import RuleTraceView
from gongji.service.wallet import (
    NATIONAL,
    CloseWallet,
    DecideTransfer,
    OpenWallet,
    SendToWallet,
    accept_transfer,
    close_wallet,
    decline_transfer,
    open_wallet,
    send_to_wallet,
)
from gongji.service.wallet_query import show_transfer, show_wallet
from gongji.service.wallet_views import WalletTransferView

__all__ = ["TransferId", "WalletRules", "router", "wallet_rules"]

router = APIRouter()

#: A wallet transfer's id in a path.
TransferId = Annotated[int, Path(ge=1, le=2**62)]

_NOTICES = frozenset({"wallet.opened", "wallet.closed", "wallet.sent", "wallet.accepted", "wallet.declined"})
#: The fields of the transfer form kept when it is shown again with a refusal (never the ID number or password).
_KEPT = ("name", "amount", "relation_type", "method")


@dataclass(frozen=True)
class WalletRules:
    """The national limits a new transfer keeps, as the rules say today for the sender's region, each with the rule
    (and source) it comes from in ``traces``."""

    per_day: int | str
    max_fen: int
    quiet_start: str
    quiet_end: str
    return_at: str
    #: The close relatives (近亲属) a transfer may reach, by the national list.
    relations: list[str]
    traces: dict[str, RuleTraceView]


def wallet_rules(portal: Portal, region: str | None) -> WalletRules:
    """The wallet's limits in ``region`` (the nation's when the person has none) on the portal's today."""
    day = portal.ctx.clock.today()
    traces: dict[str, RuleTraceView] = {}

    def get(param: Parameter[Any], where: str) -> Any:
        found: Resolved[Any] = portal.ctx.rules.resolve(param, where, day)
        traces[param.name] = rule_trace_views([found.trace])[0]
        return found.value

    where = region or NATIONAL
    quiet = get(params.WALLET_QUIET_HOURS, where)
    per_day = get(params.WALLET_TRANSFERS_PER_DAY_COUNT, where)
    return WalletRules(
        per_day=per_day if per_day == "unlimited" else int(per_day),
        max_fen=get(params.WALLET_TRANSFER_MAX_FEN, where),
        quiet_start=f"{quiet.start:%H:%M}",
        quiet_end=f"{quiet.end:%H:%M}",
        return_at=f"{get(params.WALLET_AUTO_RETURN_AT, where):%H:%M}",
        relations=[r.value for r in get(params.ALLOWED_RELATIONS, NATIONAL) if r.bindable],
        traces=traces,
    )


def _notice(value: str | None) -> str | None:
    return value if value in _NOTICES else None


def _wallet_page(
    request: Request,
    portal: Portal,
    person: SignedInPerson,
    *,
    status: int = 200,
    error: str | None = None,
    notice: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    wallet = show_wallet(portal.ctx, person.ref)
    me = household.circle(portal.ctx, person.ref).me
    pending = [t for t in wallet.incoming if t.status == TransferStatus.PENDING.value]
    kept = [t for t in wallet.incoming if t.status == TransferStatus.ACCEPTED.value and t.remaining_fen > 0]
    reserving = [t for t in wallet.outgoing if TransferStatus(t.status).reserves]
    return render(
        request,
        "wallet.html",
        status=status,
        nav="wallet",
        wallet=wallet,
        me=me,
        pending=pending,
        kept=kept,
        reserving=reserving,
        rules=wallet_rules(portal, me.region),
        face_simulated=portal.face_is_simulated,
        face_token=f"portal-face-{new_idem()}",
        idem=new_idem(),
        error=error,
        notice=notice,
        values=values or {},
    )


@router.get("/wallet")
def wallet_page(request: Request, portal: PortalDep, person: CurrentPerson, notice: str = "") -> Response:
    """医保钱包: status, balance, transfers waiting for me, what I set aside, the transfer form and the history."""
    return _wallet_page(request, portal, person, notice=_notice(notice))


def _run(
    request: Request,
    portal: Portal,
    person: SignedInPerson,
    call: Any,
    notice: str,
    values: dict[str, str] | None = None,
) -> Response:
    """Run one write; back to the wallet with ``notice``, or the wallet page again with the refusal."""
    try:
        call()
    except GongjiError as exc:
        error = translator(request).error(exc)
        return _wallet_page(request, portal, person, status=422, error=error, values=values)
    return redirect(request, "/wallet", notice=notice)


@router.post("/wallet/open")
def open_(request: Request, portal: PortalDep, person: CurrentPerson, form: CheckedForm) -> Response:
    """Open my wallet (where my region has switched it on)."""
    key = write_key(person, form, "wallet.open")
    return _run(
        request, portal, person, lambda: open_wallet(portal.ctx, OpenWallet(person.ref), key=key), "wallet.opened"
    )


@router.post("/wallet/close")
def close(request: Request, portal: PortalDep, person: CurrentPerson, form: CheckedForm) -> Response:
    """Close my wallet: refused while a transfer waits; what I accepted and did not spend goes back to the senders."""
    key = write_key(person, form, "wallet.close")
    return _run(
        request, portal, person, lambda: close_wallet(portal.ctx, CloseWallet(person.ref), key=key), "wallet.closed"
    )


def _verification(form: Form) -> tuple[str | None, str | None]:
    """The face-verification token or the 医保码 password, whichever the person chose (``method``)."""
    if form.get("method") == "password":
        return None, form.get("password") or None
    return form.get("face_token") or None, None


@router.post("/wallet/transfers")
def send(request: Request, portal: PortalDep, person: CurrentPerson, form: CheckedForm) -> Response:
    """Transfer to a close relative's wallet: the amount is set aside in my account until the relative accepts."""
    t = translator(request)
    values = {name: form.get(name) for name in _KEPT}

    def again(error: str) -> Response:
        return _wallet_page(request, portal, person, status=422, error=error, values=values)

    try:
        relation = RelationType(values["relation_type"])
    except ValueError:
        return again(t("wallet.relation_invalid"))
    try:
        amount_fen = parse_yuan(values["amount"], allow_zero=False)
    except InvalidInput as exc:
        return again(t.error(exc))
    certno = form.get("certno").replace(" ", "").upper()
    try:
        ResidentId.parse(certno)
    except InvalidInput:
        return again(t("bind.no_person"))
    receiver = household.find_relative(portal.ctx, certno, values["name"])
    if receiver is None:
        return again(t("bind.no_person"))
    face_token, password = _verification(form)
    command = SendToWallet(person.ref, receiver, amount_fen, relation, face_token=face_token, password=password)
    key = write_key(person, form, "wallet.transfer")
    return _run(request, portal, person, lambda: send_to_wallet(portal.ctx, command, key=key), "wallet.sent", values)


def _to_me(portal: Portal, person: SignedInPerson, transfer_id: int) -> WalletTransferView:
    """A transfer to the signed-in person; the 403 page for anyone else's (or none)."""
    try:
        transfer = show_transfer(portal.ctx, transfer_id)
    except NotFound as exc:
        raise Forbidden() from exc
    if transfer.receiver_psn_no != person.ref:
        raise Forbidden()
    return transfer


@router.post("/wallet/transfers/{transfer_id}/accept")
def accept(
    request: Request, portal: PortalDep, person: CurrentPerson, form: CheckedForm, transfer_id: TransferId
) -> Response:
    """Accept a transfer waiting for me: it becomes my wallet balance."""
    transfer = _to_me(portal, person, transfer_id)
    command = DecideTransfer(transfer.id, person.ref)
    key = write_key(person, form, "wallet.accept")
    return _run(request, portal, person, lambda: accept_transfer(portal.ctx, command, key=key), "wallet.accepted")


@router.post("/wallet/transfers/{transfer_id}/decline")
def decline(
    request: Request, portal: PortalDep, person: CurrentPerson, form: CheckedForm, transfer_id: TransferId
) -> Response:
    """Decline a transfer waiting for me: the money goes back to the sender's account at once."""
    transfer = _to_me(portal, person, transfer_id)
    command = DecideTransfer(transfer.id, person.ref)
    key = write_key(person, form, "wallet.decline")
    return _run(request, portal, person, lambda: decline_transfer(portal.ctx, command, key=key), "wallet.declined")
