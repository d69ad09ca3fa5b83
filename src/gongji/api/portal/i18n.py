"""Every visible string of the portal, in Chinese (the default) and English, and how a page picks its language.

A page's language is ``?lang=zh`` / ``?lang=en`` when the link carries it (and is then remembered in a cookie), else
the cookie, else Chinese. Templates never hold words: they call ``_("key", **params)``; names of code values (relation
types, states, account parts, medical types, regions, rule parameters) come from :class:`Translator`'s helpers, which
read the national code lists' own names. Refusals from the service carry both languages and are shown with
:meth:`Translator.pick`.

English text may quote a few Chinese terms on purpose — the words a person meets in the national app and at the
counter — listed in :data:`GLOSSARY`; nothing else in an English string is Chinese (a test checks the catalogue, and
the browser tests check every rendered page).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from markupsafe import Markup, escape

from gongji.domain.codes import Insutype, MedType, RelationType, Sex
from gongji.domain.errors import GongjiError
from gongji.domain.ledger import AccountKind, JournalKind
from gongji.domain.regions import parse_region
from gongji.rules.schema import PARAMETERS

__all__ = [
    "CATALOGUE",
    "CJK",
    "DEFAULT_LANG",
    "GLOSSARY",
    "LANGUAGE_NAMES",
    "LANG_COOKIE",
    "LANG_PARAM",
    "Lang",
    "Translator",
    "parse_lang",
]

LANG_COOKIE = "gongji_lang"
LANG_PARAM = "lang"

#: Chinese characters (CJK unified ideographs and the full-width punctuation Chinese text uses).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")

#: Chinese terms English text may quote, as people meet them in the national app and at the counter.
GLOSSARY: tuple[str, ...] = (
    "家庭共济",
    "亲情账户",
    "共济",
    "历年",
    "当年",
    "承诺书",
    "医保钱包",
    "职工医保",
    "近亲属",
)


class Lang(StrEnum):
    """The portal's languages."""

    ZH = "zh"
    EN = "en"

    @property
    def html(self) -> str:
        """The value of the page's ``lang`` attribute."""
        return "zh-CN" if self is Lang.ZH else "en"


DEFAULT_LANG = Lang.ZH

#: Each language named in itself (the switch shows "中文" on English pages too: a language's own name is not
#: translated; the link carries ``lang="zh-CN"``).
LANGUAGE_NAMES: dict[Lang, str] = {Lang.ZH: "中文", Lang.EN: "English"}


def parse_lang(value: str | None) -> Lang | None:
    """A language from a query parameter or cookie (``None`` when absent or unknown)."""
    if value is None:
        return None
    try:
        return Lang(value.strip().lower())
    except ValueError:
        return None


#: key → (Chinese, English). Parameters use ``str.format`` fields; both languages name the same fields.
CATALOGUE: dict[str, tuple[str, str]] = {
    # --- frame -----------------------------------------------------------------------------------------------------
    "brand": ("家庭共济", "Family mutual aid"),
    "brand.sub": ("职工医保个人账户", "on medical-insurance personal accounts"),
    "skip": ("跳到主要内容", "Skip to main content"),
    "lang.switch": ("语言", "Language"),
    "nav.label": ("主导航", "Main navigation"),
    "nav.family": ("我的家庭", "My family"),
    "nav.bind": ("绑定亲属", "Bind a relative"),
    "nav.why": ("为什么用不了？", "Why can't it pay?"),
    "nav.records": ("记录", "Records"),
    "nav.sign_out": ("退出登录", "Sign out"),
    "nav.signed_in_as": ("已登录：{name}（{masked}）", "Signed in: {name} ({masked})"),
    "nav.signed_in_operator": ("已登录：{name}，授权统筹区：{regions}", "Signed in: {name}; regions: {regions}"),
    "footer.privacy": (
        "身份证号码只显示后四位。请勿将医保卡或验证码交给他人。",
        "ID numbers show only their last four characters. Never give your insurance card or a sign-in code to anyone.",
    ),
    "footer.fraud": (
        "虚构亲属关系或出借医保卡属于违法行为，会被暂停联网结算。",
        "Inventing a relationship or lending an insurance card is illegal and suspends networked settlement.",
    ),
    "common.back": ("返回", "Back"),
    "common.back_family": ("返回我的家庭", "Back to my family"),
    "common.cancel": ("取消", "Cancel"),
    "common.save": ("保存", "Save"),
    "common.yuan": ("{amount} 元", "¥{amount}"),
    "common.none": ("无", "None"),
    "common.dash": ("—", "—"),
    "common.list_sep": ("、", ", "),
    "common.yes": ("是", "Yes"),
    "common.no": ("否", "No"),
    "common.unlimited": ("不限", "no limit"),
    "common.details": ("明细", "Details"),
    "common.years_old": ("{age} 岁", "{age} years old"),
    "common.error_title": ("未能办理", "This could not be done"),
    "common.notice_title": ("已办理", "Done"),
    # --- rules and their sources ----------------------------------------------------------------------------------
    "rule.label": ("依据：", "Rule: "),
    "rule.line": ("{param}（{region}，自 {since} 起）", "{param} ({region}, since {since})"),
    "rule.source": ("来源：", "Source: "),
    "rule.unverified": ("（来源尚待核实）", "(source not yet verified)"),
    "rule.read_title": ("本次查询读取的规则", "Rules read for this check"),
    # --- sign-in ----------------------------------------------------------------------------------------------------
    "signin.title": ("登录", "Sign in"),
    "signin.intro": (
        "用身份证号码和发送到您手机的一次性验证码登录。",
        "Sign in with your ID number and a one-time code sent to your phone.",
    ),
    "signin.certno": ("身份证号码", "ID number"),
    "signin.certno_hint": ("18 位，最后一位可能是 X", "18 characters; the last one may be X"),
    "signin.send": ("获取验证码", "Send me a code"),
    "signin.code_title": ("输入验证码", "Enter your code"),
    "signin.code_sent": (
        "如果该身份证号码已在医保登记，验证码已发送到登记的手机。",
        "If this ID number is registered, a code has been sent to the phone on file.",
    ),
    "signin.code": ("6 位验证码", "6-digit code"),
    "signin.code_hint": ("验证码 {minutes} 分钟内有效", "The code is valid for {minutes} minutes"),
    "signin.submit": ("登录", "Sign in"),
    "signin.again": ("重新获取验证码", "Send a new code"),
    "signin.no_phone": (
        "没有登记手机号码的人员（如未成年人）请由家人代办或到经办窗口办理。",
        "People with no phone on file (children, for example) are helped by a relative or at the counter.",
    ),
    "signin.demo": (
        "演示环境：验证码显示在运行服务的控制台上。",
        "Demo: the code is shown on the console where the server runs.",
    ),
    "signin.bad_certno": (
        "身份证号码格式不正确，请检查后重新输入。",
        "That is not a valid ID number; check it and try again.",
    ),
    "signin.bad_code": ("验证码不正确或已过期。", "The code is wrong or has expired."),
    "signin.expired": ("验证码已过期，请重新获取。", "The code has expired; ask for a new one."),
    "signin.throttled": (
        "尝试次数过多，请在 {seconds} 秒后再试。",
        "Too many attempts; try again in {seconds} seconds.",
    ),
    "signin.resend_wait": (
        "验证码刚刚已发送，{seconds} 秒后可重新获取。",
        "A code was sent just now; you can ask for another in {seconds} seconds.",
    ),
    "signin.please": ("请先登录。", "Please sign in first."),
    "signin.signed_out": ("您已退出登录。", "You have signed out."),
    # --- family ----------------------------------------------------------------------------------------------------
    "family.title": ("我的家庭", "My family"),
    "family.who": ("{name} · {masked} · {region}", "{name} · {masked} · {region}"),
    "family.balances": ("我的个人账户", "My personal account"),
    "family.prior": ("历年账户", "Prior-years part (历年)"),
    "family.current": ("当年账户", "Current-year part (当年)"),
    "family.total": ("合计", "Total"),
    "family.no_account": (
        "您参加的是{insutype}，没有个人账户；亲属可以用他们的个人账户为您支付。",
        "You are insured in {insutype} and have no personal account; relatives can pay for you from theirs.",
    ),
    "family.not_insured": ("您目前没有正常参保的基本医疗保险。", "You have no basic medical insurance in force now."),
    "family.awaiting": ("待我确认", "Waiting for my confirmation"),
    "family.awaiting_line": (
        "{authoriser} 申请为 {beneficiary} 共济（{relation}）",
        "{authoriser} asks to pay for {beneficiary} ({relation})",
    ),
    "family.review": ("查看并确认", "Review and confirm"),
    "family.i_pay_for": ("我为谁共济", "Whom I pay for"),
    "family.i_pay_for_none": ("您还没有为亲属共济。", "You do not pay for any relative yet."),
    "family.pay_for_me": ("谁为我共济（扣款顺序）", "Who pays for me, in order"),
    "family.pay_for_me_none": ("还没有亲属为您共济。", "No relative pays for you yet."),
    "family.col.relative": ("亲属", "Relative"),
    "family.col.relation": ("关系", "Relation"),
    "family.col.state": ("状态", "State"),
    "family.col.quota": ("本年额度", "Quota this year"),
    "family.col.used": ("已用", "Used"),
    "family.col.left": ("剩余", "Left"),
    "family.col.actions": ("操作", "Actions"),
    "family.col.position": ("顺位", "Order"),
    "family.col.payer": ("付款账户", "Paying account"),
    "family.quota_whole": ("全部可共济余额", "The whole shareable balance"),
    "family.quota_share": ("年初余额的 {percent}%", "{percent}% of the balance at the start of the year"),
    "family.quota_shared": ("所有亲属共用一个额度", "One quota shared by all relatives"),
    "family.own_account": ("本人个人账户", "My own personal account"),
    "family.own_first": ("看病购药时先用本人的个人账户。", "Your own personal account always pays first."),
    "family.i_am_their": ("我是其{relation}", "I am their {relation}"),
    "family.not_yet": ("确认后排序", "Ordered once confirmed"),
    "family.action.details": ("详情", "Details"),
    "family.action.quota": ("设定额度", "Set quota"),
    "family.action.end": ("解除", "End"),
    "family.action.order": ("调整扣款顺序", "Change the order"),
    "family.proxy_title": ("亲情账户（不共享资金）", "Family accounts (亲情账户) — no money shared"),
    "family.proxy_none": ("没有亲情账户。", "No family accounts."),
    "family.proxy_line": ("{owner} → {relative}（自 {since} 起）", "{owner} → {relative} (since {since})"),
    "family.proxy_why": ("为什么用不了？", "Why can't it pay?"),
    "family.changes": ("本年变更次数", "Changes this year"),
    "family.changes_line": (
        "本年已变更 {used} 次，{region}每年最多 {limit} 次。",
        "You have made {used} changes this year; {region} allows {limit} a year.",
    ),
    "family.changes_unlimited": (
        "本年已变更 {used} 次，{region}不限变更次数。",
        "You have made {used} changes this year; {region} sets no limit.",
    ),
    "family.ending_by_other": ("对方已申请解除，等待您同意", "The other side asked to end it; waiting for you"),
    # --- relation detail ------------------------------------------------------------------------------------------
    "relation.title": ("共济关系 {id}", "Relation {id}"),
    "relation.between": ("{authoriser} 为 {beneficiary} 共济", "{authoriser} pays for {beneficiary}"),
    "relation.requested_at": ("申请时间", "Requested"),
    "relation.expires_at": ("申请有效期至", "Request valid until"),
    "relation.confirmed_at": ("确认时间", "Confirmed"),
    "relation.effective_from": ("生效时间", "Effective from"),
    "relation.ended_at": ("解除时间", "Ended"),
    "relation.end_reason": ("解除原因", "Why it ended"),
    "relation.proof": ("证明方式", "Proof"),
    "relation.proof.commitment": ("承诺书", "Signed commitment (承诺书)"),
    "relation.proof.documents": ("证明材料：{reference}", "Documents: {reference}"),
    "relation.history": ("办理记录", "History"),
    "relation.event.requested": ("申请绑定", "Binding requested"),
    "relation.event.confirmed": ("确认绑定", "Binding confirmed"),
    "relation.event.declined": ("拒绝绑定", "Binding declined"),
    "relation.event.end_requested": ("申请解除", "Asked to end"),
    "relation.event.ended": ("已解除", "Ended"),
    "relation.event.reordered": ("调整扣款顺序", "Order changed"),
    "relation.event.quota_set": ("设定额度", "Quota set"),
    "relation.event.expired": ("申请过期", "Request expired"),
    "relation.event.other": ("其他", "Other"),
    "relation.by_counter": ("经办窗口", "At the counter"),
    # --- relation states and end reasons (the domain's names, with English) ------------------------------------
    "state.requested": ("待确认", "waiting for confirmation"),
    "state.waiting": ("已确认，等待期中", "confirmed, in its waiting period"),
    "state.effective": ("生效中", "in force"),
    "state.ending": ("解除待对方确认", "ending, waiting for the other side"),
    "state.ended": ("已解除", "ended"),
    "state.expired": ("申请已过期", "request expired"),
    "state.declined": ("对方已拒绝", "declined"),
    "end.by_authoriser": ("共济人解除", "ended by the payer"),
    "end.by_beneficiary": ("被共济人解除", "ended by the relative"),
    "end.by_both": ("双方确认解除", "ended by both sides"),
    "end.at_counter": ("经办窗口解除", "ended at the counter"),
    "end.enrollment_terminated": ("参保关系终止，自动解除", "insurance ended, so the relation ended"),
    "end.moved_region": ("转移至其他统筹区，自动解除", "moved to another pooling region, so the relation ended"),
    "end.end_date_reached": ("到期解除", "its end date was reached"),
    # --- bind -------------------------------------------------------------------------------------------------------
    "bind.title": ("绑定亲属", "Bind a relative"),
    "bind.intro": (
        "绑定后，您的个人账户可以为亲属支付看病、购药中个人负担的费用。统筹基金不共用，亲属就医仍用本人的医保凭证。"
        "提交后，亲属须在自己的页面确认。",
        "Once bound, your personal account can pay the relative's own share of medical and pharmacy costs. The pooling "
        "fund is never shared, and the relative still uses their own insurance card. After you submit, the relative "
        "confirms on their own page.",
    ),
    "bind.not_employee": (
        "只有参加职工医保且参保状态正常的人才能用个人账户为亲属共济。您仍可以请参加职工医保的亲属为您绑定。",
        "Only people insured as employees (职工医保) in normal status can pay for relatives from a personal account. "
        "You can ask a relative who is to bind you.",
    ),
    "bind.not_available": ("您所在的统筹区未开通家庭共济。", "Family mutual aid is not available in your region."),
    "bind.relation": ("TA 是我的", "The relative is my"),
    "bind.name": ("亲属姓名", "Relative's name"),
    "bind.certno": ("亲属身份证号码", "Relative's ID number"),
    "bind.proof": ("证明材料编号", "Documents reference"),
    "bind.proof_hint": (
        "户口簿、结婚证或出生医学证明的编号。",
        "The number of the household register, marriage certificate or birth certificate.",
    ),
    "bind.proof_needed.commitment": (
        "本统筹区实行承诺制：勾选承诺书即可，证明材料编号可不填。",
        "Your region binds on a signed commitment (承诺书): tick it below; a documents reference is optional.",
    ),
    "bind.proof_needed.documents": (
        "本统筹区须提供亲属关系证明材料编号。",
        "Your region needs the reference of a document proving the relation.",
    ),
    "bind.proof_needed.none": ("本统筹区不要求证明材料。", "Your region asks for no proof."),
    "bind.commitment": (
        "本人承诺所填亲属关系真实，如有虚假愿承担相应法律责任（承诺书）。",
        "I promise that this relationship is true and accept legal responsibility if it is not (承诺书).",
    ),
    "bind.quota": ("本年共济额度（元，可不填）", "Yearly quota in yuan (optional)"),
    "bind.quota_hint": (
        "不填表示可使用全部可共济余额；之后可以随时调整。",
        "Leave it blank to let the whole shareable balance be used; you can change it at any time.",
    ),
    "bind.submit": ("提交绑定申请", "Send the binding request"),
    "bind.rules": ("本统筹区规则", "Your region's rules"),
    "bind.rule.relations": ("可绑定的亲属：{relations}", "Relatives you may bind: {relations}"),
    "bind.rule.max": ("同时最多绑定 {limit} 人", "At most {limit} relatives at once"),
    "bind.rule.max_unlimited": ("同时绑定人数不限", "No limit on relatives at once"),
    "bind.rule.face": (
        "年满 {age} 周岁的亲属确认时须人脸识别；未满 {age} 周岁的由监护人确认。",
        "Relatives aged {age} or over confirm with face verification; younger ones are confirmed by a guardian.",
    ),
    "bind.rule.waiting": ("确认后等待 {days} 天生效。", "It takes effect {days} days after confirmation."),
    "bind.rule.waiting_none": ("确认后立即生效。", "It takes effect as soon as it is confirmed."),
    "bind.no_person": (
        "查无此人，或姓名与身份证号码不符。请核对后重新输入。",
        "No insured person has this name and ID number. Check them and try again.",
    ),
    "bind.sent": (
        "申请已提交。请亲属登录后在“我的家庭”页面确认（未成年人由监护人确认）。",
        "The request was sent. The relative confirms it after signing in, on the My family page (a guardian does "
        "for a minor).",
    ),
    "bind.quota_invalid": (
        "额度须为不小于 0 的金额，最多两位小数。",
        "The quota must be an amount of 0 or more, with at most two decimals.",
    ),
    # --- confirm -----------------------------------------------------------------------------------------------------
    "confirm.title": ("确认共济绑定", "Confirm a binding"),
    "confirm.ask": (
        "{authoriser} 申请用其个人账户为 {beneficiary} 支付个人负担的医疗费用（{beneficiary} 是其{relation}）。",
        "{authoriser} asks to pay {beneficiary}'s own share of medical costs from their personal account "
        "({beneficiary} is their {relation}).",
    ),
    "confirm.as_guardian": (
        "{beneficiary} 未满 {age} 周岁，您作为监护人代为确认。",
        "{beneficiary} is under {age}; you confirm as their guardian.",
    ),
    "confirm.money_note": (
        "确认后，您看病购药时先用您本人的个人账户，不足部分再从 {authoriser} 的账户支付。",
        "Once confirmed, your own account pays first and {authoriser}'s account pays the rest.",
    ),
    "confirm.money_note_no_account": (
        "确认后，您看病购药时个人负担的费用可以由 {authoriser} 的个人账户支付。",
        "Once confirmed, {authoriser}'s personal account can pay your own share of medical costs.",
    ),
    "confirm.face_title": ("人脸识别", "Face verification"),
    "confirm.face_needed": (
        "年满 {age} 周岁的确认人须通过人脸识别。",
        "A person aged {age} or over confirms with face verification.",
    ),
    "confirm.face_demo": (
        "演示环境使用模拟人脸识别：按下按钮即视为本人刷脸。",
        "This demo simulates the face check: pressing the button counts as your face scan.",
    ),
    "confirm.face_button": ("刷脸并确认", "Verify my face and confirm"),
    "confirm.no_face": (
        "确认人未满 {age} 周岁，无须人脸识别。",
        "The confirming person is under {age}; no face check is needed.",
    ),
    "confirm.button": ("确认绑定", "Confirm the binding"),
    "confirm.decline": ("拒绝", "Decline"),
    "confirm.done": ("已确认，共济关系已建立。", "Confirmed: the relation is in place."),
    "confirm.declined": ("已拒绝该申请。", "You declined the request."),
    # --- order -------------------------------------------------------------------------------------------------------
    "order.title": ("调整扣款顺序", "Order of payers"),
    "order.intro": (
        "看病购药时先用您本人的个人账户，不足时按以下顺序使用亲属的账户。",
        "When you pay, your own account pays first; then your relatives' accounts pay in this order.",
    ),
    "order.intro_no_own": (
        "看病购药时按以下顺序使用亲属的账户。",
        "When you pay, your relatives' accounts pay in this order.",
    ),
    "order.up": ("上移 {name}", "Move {name} up"),
    "order.down": ("下移 {name}", "Move {name} down"),
    "order.saved": ("扣款顺序已保存。", "The order was saved."),
    "order.nothing": (
        "只有一位或没有亲属为您共济，无需排序。",
        "One relative or none pays for you: there is nothing to order.",
    ),
    # --- quota -------------------------------------------------------------------------------------------------------
    "quota.title": ("设定共济额度", "Set a quota"),
    "quota.for": ("为 {name} 设定本年共济额度", "This year's quota for {name}"),
    "quota.used": ("本年已用 {used}。", "Used this year: {used}."),
    "quota.current": ("当前额度：{quota}", "Current quota: {quota}"),
    "quota.whole": ("可使用全部可共济余额", "Let the whole shareable balance be used"),
    "quota.limit": ("限额（元）", "A limit in yuan"),
    "quota.saved": ("额度已保存。", "The quota was saved."),
    "quota.model_shared": (
        "本统筹区所有亲属共用一个额度：这里设定的是您为全部亲属共济的总额度。",
        "In your region one quota covers all your relatives: this sets the total for all of them.",
    ),
    "quota.model_share": (
        "本统筹区的额度按年初余额的比例（{percent}%）自动计算，不能单独设定。",
        "In your region the quota is a share ({percent}%) of the balance at the start of the year; it cannot be set.",
    ),
    # --- end ---------------------------------------------------------------------------------------------------------
    "end.title": ("解除共济关系", "End a relation"),
    "end.ask": ("解除 {authoriser} 为 {beneficiary} 的共济关系？", "End {authoriser}'s payment for {beneficiary}?"),
    "end.counts": (
        "解除由共济人提出时计入其本年变更次数。",
        "When the payer ends a relation, it counts as one of the payer's changes this year.",
    ),
    "end.last_change": (
        "这将用掉您本年的最后一次变更机会。",
        "This uses up your last change this year.",
    ),
    "end.no_changes_left": (
        "您本年的变更次数已用完；解除后今年不能再绑定新的亲属。",
        "You have no changes left this year; after this you cannot bind anyone new this year.",
    ),
    "end.both_sides": (
        "本统筹区解除须双方确认：对方同意后才解除。",
        "In your region both sides must agree: it ends once the other side agrees too.",
    ),
    "end.one_side": ("本统筹区任一方均可直接解除。", "In your region either side may end it alone."),
    "end.button": ("确认解除", "End it"),
    "end.agree": ("同意解除", "Agree to end it"),
    "end.done": ("共济关系已解除。", "The relation has ended."),
    "end.requested": ("已申请解除，等待对方同意。", "You asked to end it; waiting for the other side."),
    # --- why ---------------------------------------------------------------------------------------------------------
    "why.title": ("为什么用不了？", "Why can't it pay?"),
    "why.intro": (
        "选择一位亲属和一种费用，查看今天有哪些条件不满足、依据是什么、该怎么办。查询不会改变任何数据。",
        "Choose a relative and a kind of payment to see which conditions fail today, the rule behind each, and what "
        "to do. Checking changes nothing.",
    ),
    "why.relative": ("亲属", "Relative"),
    "why.direction": ("谁的账户付款", "Whose account pays"),
    "why.they_pay": ("TA 的账户为我付款", "Their account pays for me"),
    "why.i_pay": ("我的账户为 TA 付款", "My account pays for them"),
    "why.kind": ("费用类型", "Kind of payment"),
    "why.kind.outpatient": ("门诊", "Outpatient visit"),
    "why.kind.inpatient": ("住院", "Hospital stay"),
    "why.kind.pharmacy": ("定点药店购药", "Pharmacy purchase"),
    "why.kind.resident_basic": ("城乡居民医保个人缴费", "Resident insurance contribution"),
    "why.kind_in.outpatient": ("门诊费用", "outpatient costs"),
    "why.kind_in.inpatient": ("住院费用", "hospital-stay costs"),
    "why.kind_in.pharmacy": ("定点药店购药费用", "pharmacy purchases"),
    "why.kind_in.resident_basic": ("城乡居民医保个人缴费", "resident insurance contribution"),
    "why.submit": ("查一查", "Check"),
    "why.no_relatives": (
        "您还没有可以查询的亲属。先绑定亲属，或请亲属为您绑定。",
        "You have no relatives to ask about yet. Bind one, or ask a relative to bind you.",
    ),
    "why.question": (
        "今天 {payer} 的个人账户能否为 {patient} 支付{kind}？",
        "Can {payer}'s personal account pay {patient}'s {kind} today?",
    ),
    "why.can_pay": ("可以支付：所有条件都满足。", "Yes: every condition is met."),
    "why.cannot": ("不能支付：{count} 项条件不满足。", "No: {count} condition(s) fail."),
    "why.detail": ("具体原因：", "What the system says: "),
    "why.todo": ("怎么办：", "What to do: "),
    "why.admission_note": (
        "住院提醒：{region}规定入院后才绑定的共济关系不能支付本次住院，请在办理入院前完成绑定。",
        "About hospital stays: in {region} a binding made after admission cannot pay that stay; bind before admission.",
    ),
    "why.generic.title": ("其他原因", "Another reason"),
    "why.generic.todo": (
        "请带身份证到医保经办窗口咨询。",
        "Ask at the medical-insurance counter, with your ID card.",
    ),
    "why.unknown_relative": ("请选择一位亲属。", "Choose a relative."),
    # --- why: one title and one piece of advice per refusal code (seed 004's situations first) -----------------------
    "why.title.BENEFICIARY_NOT_INSURED": ("亲属没有参保", "The relative is not insured"),
    "why.todo.BENEFICIARY_NOT_INSURED": (
        "先为亲属办理基本医保（职工医保或城乡居民医保）参保，再绑定家庭共济。",
        "First enroll the relative in basic medical insurance (employee or resident), then bind them.",
    ),
    "why.title.BENEFICIARY_STATUS_NOT_NORMAL": ("亲属的参保状态不正常", "The relative's insurance is not in force"),
    "why.todo.BENEFICIARY_STATUS_NOT_NORMAL": (
        "先为亲属续缴或恢复参保。",
        "Pay the relative's contributions or restore their insurance first.",
    ),
    "why.title.AUTHORISER_NOT_ELIGIBLE": (
        "付款人不能为亲属共济",
        "The payer cannot pay for relatives",
    ),
    "why.todo.AUTHORISER_NOT_ELIGIBLE": (
        "只有参加职工医保且参保状态正常的人才能共济；请换一位参加职工医保的亲属，或先恢复参保。",
        "Only an employee (职工医保) in normal status can pay: ask another relative who is, or restore the insurance.",
    ),
    "why.title.NOT_AN_EMPLOYEE": ("没有个人账户", "No personal account"),
    "why.todo.NOT_AN_EMPLOYEE": (
        "城乡居民医保没有个人账户；请参加职工医保的亲属为您绑定。",
        "Resident insurance has no personal account: ask a relative insured as an employee to bind you.",
    ),
    "why.title.PROXY_LINK_IS_NOT_MUTUAL_AID": (
        "只绑定了亲情账户，没有绑定家庭共济",
        "Only a family account (亲情账户) is linked, not mutual aid",
    ),
    "why.todo.PROXY_LINK_IS_NOT_MUTUAL_AID": (
        "亲情账户只能代为展码、查看记录，不能用钱。请由参加职工医保的一方在“绑定亲属”中另行办理家庭共济，"
        "并由对方确认。",
        "A family account only shows the e-voucher and records; it spends no money. The employee should bind the "
        "relative under \u201cBind a relative\u201d, and the relative confirms.",
    ),
    "why.title.AUTHORISER_BALANCE_ZERO": ("付款人的账户没有可共济的钱", "The payer's account has nothing to share"),
    "why.todo.AUTHORISER_BALANCE_ZERO": (
        "账户余额为零时无法共济，请换一位有余额的亲属，或等下次划入后再用；有的地区只能共济历年账户。",
        "An empty account cannot pay: ask a relative with a balance, or wait for the next contribution; some "
        "regions share only the prior-years part (历年).",
    ),
    "why.title.NO_RELATION": ("没有绑定家庭共济", "No mutual-aid binding"),
    "why.todo.NO_RELATION": (
        "请由参加职工医保的一方在“绑定亲属”中提出申请，并由对方确认。",
        "The employee should send a request under \u201cBind a relative\u201d, and the relative confirms it.",
    ),
    "why.title.RELATION_NOT_CONFIRMED": ("绑定还没有确认", "The binding is not confirmed yet"),
    "why.todo.RELATION_NOT_CONFIRMED": (
        "请被共济的亲属（未成年人由监护人）登录后在“我的家庭”中确认。",
        "The relative (or a minor's guardian) signs in and confirms it on the My family page.",
    ),
    "why.title.RELATION_NOT_YET_EFFECTIVE": ("还在等待期内", "Still in the waiting period"),
    "why.todo.RELATION_NOT_YET_EFFECTIVE": (
        "等待期结束后即可使用；在此之前的费用请先自付。",
        "It can pay once the waiting period is over; until then, pay yourself.",
    ),
    "why.title.RELATION_ENDED": ("共济关系已经解除", "The relation has ended"),
    "why.todo.RELATION_ENDED": (
        "如需继续共济请重新绑定；参保地变动后须在新的统筹区重新绑定。",
        "Bind again if you still need it; after a move to another pooling region, bind again there.",
    ),
    "why.title.REQUEST_EXPIRED": ("绑定申请已过期", "The binding request expired"),
    "why.todo.REQUEST_EXPIRED": (
        "请重新提出绑定申请，并在有效期内确认。",
        "Send a new request and confirm it before it expires.",
    ),
    "why.title.OUTSIDE_ACCOUNT_SCOPE": ("这项费用不能用个人账户支付", "This cost is outside what the account may pay"),
    "why.todo.OUTSIDE_ACCOUNT_SCOPE": (
        "这类费用只能用现金等其他方式支付。",
        "Pay this kind of cost another way (cash, for example).",
    ),
    "why.title.GEOGRAPHY_NOT_OPEN": ("两地之间未开通共济", "Mutual aid is not open between your regions"),
    "why.todo.GEOGRAPHY_NOT_OPEN": (
        "跨省可以使用医保钱包转账；或在同一统筹区参保后再绑定。",
        "Across provinces use the wallet (医保钱包); or bind once you are insured in the same region.",
    ),
    "why.title.RELATION_TYPE_NOT_ALLOWED": ("本地不允许这种亲属关系共济", "This relationship may not be bound here"),
    "why.todo.RELATION_TYPE_NOT_ALLOWED": (
        "请查看本统筹区允许的亲属范围（近亲属）。",
        "See which relatives your region allows (近亲属).",
    ),
    "why.title.MIRROR_BINDING_MISSING": ("需要双向绑定", "Both sides must bind each other"),
    "why.todo.MIRROR_BINDING_MISSING": (
        "本地要求双方互相绑定，请另一方也为对方办理绑定。",
        "Your region needs bindings in both directions: the other side binds too.",
    ),
    "why.title.BALANCE_BELOW_MINIMUM": ("付款人余额低于须保留的金额", "The payer's balance is below the amount kept"),
    "why.todo.BALANCE_BELOW_MINIMUM": (
        "付款人须保留一定余额后才能共济，请等余额增加或换一位亲属。",
        "The payer must keep a minimum balance: wait until it grows, or ask another relative.",
    ),
    "why.title.QUOTA_EXHAUSTED": ("本年额度已用完", "This year's quota is used up"),
    "why.todo.QUOTA_EXHAUSTED": (
        "付款人可以在“我的家庭”中提高额度，或由扣款顺序中的下一位亲属支付。",
        "The payer can raise the quota on the My family page, or the next relative in the order pays.",
    ),
    "why.title.MUTUAL_AID_NOT_AVAILABLE": ("本地未开通家庭共济", "Mutual aid is not available here"),
    "why.todo.MUTUAL_AID_NOT_AVAILABLE": (
        "请关注当地医保部门的通知。",
        "Watch for your local medical-insurance bureau's announcements.",
    ),
    # --- records -----------------------------------------------------------------------------------------------------
    "records.title": ("记录", "Records"),
    "records.year": ("年度", "Year"),
    "records.show": ("查看", "Show"),
    "records.chart_title": (
        "本年我的个人账户支出（按家庭成员）",
        "This year's spending from my account, by family member",
    ),
    "records.chart_desc": ("{name}：{amount} 元", "{name}: ¥{amount}"),
    "records.chart_none": ("本年您的个人账户没有支出。", "Your account paid nothing this year."),
    "records.statement": ("个人账户对账单", "Statement of my personal account"),
    "records.statement_period": (
        "{start} 至 {end}：期初 {opening}，期末 {closing}",
        "{start} to {end}: opening {opening}, closing {closing}",
    ),
    "records.statement_none": ("本年没有账户变动。", "No movements this year."),
    "records.col.date": ("日期", "Date"),
    "records.col.what": ("事项", "What"),
    "records.col.part": ("账户", "Part"),
    "records.col.amount": ("金额（元）", "Amount (¥)"),
    "records.col.balance": ("余额（元）", "Balance after (¥)"),
    "records.col.paid_for": ("为谁支付", "Paid for"),
    "records.col.reference": ("凭证", "Reference"),
    "records.col.settlement": ("结算", "Settlement"),
    "records.col.patient": ("就诊人", "Patient"),
    "records.col.kind": ("类别", "Kind"),
    "records.col.total": ("费用总额", "Total cost"),
    "records.col.fund": ("统筹基金", "Pooling fund"),
    "records.col.accounts": ("个人账户", "Personal accounts"),
    "records.col.mutual": ("其中共济", "Of which mutual aid"),
    "records.col.cash": ("现金", "Cash"),
    "records.col.by_me": ("我的账户支付", "Paid from my account"),
    "records.col.status": ("状态", "Status"),
    "records.self": ("本人", "myself"),
    "records.settlements": ("与我有关的结算", "Settlements that involve me"),
    "records.settlements_none": ("本年没有与您有关的结算。", "No settlements involve you this year."),
    "records.csv_statement": ("下载对账单（CSV）", "Download the statement (CSV)"),
    "records.csv_settlements": ("下载结算记录（CSV）", "Download the settlements (CSV)"),
    "records.status.settled": ("已结算", "settled"),
    "records.status.reversed": ("已撤销", "reversed"),
    "records.role.patient": ("我是就诊人", "I was the patient"),
    "records.role.payer": ("我的账户支付", "My account paid"),
    "records.role.both": ("我是就诊人，我的账户支付", "I was the patient and my account paid"),
    # --- settlement --------------------------------------------------------------------------------------------------
    "setl.title": ("结算 {setl_id}", "Settlement {setl_id}"),
    "setl.patient": ("就诊人", "Patient"),
    "setl.when": ("结算时间", "Settled"),
    "setl.institution": ("定点医药机构", "Institution"),
    "setl.kind": ("医疗类别", "Kind"),
    "setl.status": ("状态", "Status"),
    "setl.reversed_at": ("撤销时间", "Reversed"),
    "setl.buyer": ("代买人", "Bought by"),
    "setl.amounts": ("费用如何分担", "How the bill was shared"),
    "setl.payers": ("哪些个人账户支付了", "Which personal accounts paid"),
    "setl.payers_none": ("没有个人账户支付。", "No personal account paid."),
    "setl.col.order": ("顺位", "Order"),
    "setl.col.payer": ("付款人", "Payer"),
    "setl.col.relation": ("关系", "Relation"),
    "setl.col.prior": ("历年", "Prior-years (历年)"),
    "setl.col.current": ("当年", "Current-year (当年)"),
    "setl.col.amount": ("合计", "Total"),
    "setl.self": ("本人", "own account"),
    "setl.explain": ("为什么这样分担", "Why it was shared this way"),
    "setl.fund_steps": ("统筹基金的计算", "How the pooling fund was computed"),
    "setl.purses": ("依次尝试的账户", "Accounts tried, in order"),
    "setl.purse_paid": ("{payer}：支付 {amount}", "{payer}: paid {amount}"),
    "setl.purse_balance": ("（支付前 {before}，支付后 {after}）", "(before {before}, after {after})"),
    "setl.cash": ("现金支付 {amount}", "Paid in cash: {amount}"),
    "setl.amount.medfee_sumamt": ("医疗费总额", "Total cost"),
    "setl.amount.fulamt_ownpay_amt": ("全自费（目录外）", "Items entirely self-paid (outside the catalogue)"),
    "setl.amount.overlmt_selfpay": ("超限价自费", "Above the price cap"),
    "setl.amount.preselfpay_amt": ("先行自付（乙类）", "Self-paid first share (category B)"),
    "setl.amount.inscp_scp_amt": ("符合政策范围", "Within the policy range"),
    "setl.amount.act_pay_dedc": ("本次起付线", "Deductible applied"),
    "setl.amount.hifp_pay": ("统筹基金支付", "Paid by the pooling fund"),
    "setl.amount.fund_pay_sumamt": ("基金支付合计", "All funds together"),
    "setl.amount.psn_part_amt": ("个人负担", "Individually borne"),
    "setl.amount.acct_pay": ("个人账户支付", "Paid from personal accounts"),
    "setl.amount.acct_mulaid_pay": ("其中家庭共济支付", "Of which paid by relatives (共济)"),
    "setl.amount.psn_cash_pay": ("现金支付", "Paid in cash"),
    "setl.amount.balc": ("就诊人个人账户余额", "Patient's own account balance after"),
    # --- CSV -------------------------------------------------------------------------------------------------------
    "csv.statement_name": ("对账单", "statement"),
    "csv.settlements_name": ("结算记录", "settlements"),
    # --- errors ------------------------------------------------------------------------------------------------------
    "error.403.title": ("无权查看", "Not allowed"),
    "error.403.body": (
        "您只能查看和办理自己家庭的事项。这个页面不属于您的家庭，或者不存在。",
        "You can only see and act on your own family. This page is not part of your family, or does not exist.",
    ),
    "error.404.title": ("页面不存在", "Page not found"),
    "error.404.body": ("您要找的页面不存在。", "The page you asked for does not exist."),
    "error.csrf.title": ("表单已失效", "This form has expired"),
    "error.csrf.body": (
        "为保护您的账户，每个表单都带有安全令牌。请返回上一页，刷新后重新提交。",
        "To protect your account, every form carries a security token. Go back, reload the page and submit again.",
    ),
    "error.400.title": ("请求有误", "Bad request"),
    "error.400.body": (
        "提交的内容不完整或格式不对，请返回重试。",
        "Something in the request is missing or malformed; go back and try again.",
    ),
    "error.500.title": ("系统暂时无法办理", "The system cannot do this right now"),
    "error.500.body": ("请稍后再试。", "Please try again later."),
    "error.go_home": ("回到首页", "Go to the start page"),
    # --- counter staff (线下办理) ---
    "counter.nav.find": ("查找参保人", "Find a person"),
    "counter.nav.audit": ("操作日志", "Audit trail"),
    "counter.signin.title": ("经办人员登录", "Counter staff sign-in"),
    "counter.signin.intro": (
        "请输入经办机构发给您的操作员令牌；您只能办理授权统筹区内参保人的业务。",
        "Enter the operator token your agency issued; you can act only for people of the regions granted to you.",
    ),
    "counter.signin.token": ("操作员令牌", "Operator token"),
    "counter.signin.button": ("登录", "Sign in"),
    "counter.bad_token": ("令牌无效、已停用或不是操作员令牌。", "The token is unknown, revoked or not an operator's."),
    "counter.find.title": ("查找参保人", "Find an insured person"),
    "counter.find.regions": ("授权统筹区：", "Regions granted:"),
    "counter.find.label": ("证件号码或姓名", "ID number or name"),
    "counter.find.button": ("查找", "Find"),
    "counter.find.none": ("授权统筹区内没有找到此人。", "No one found in your regions."),
    "counter.person.title": ("家庭全貌", "The family's whole picture"),
    "counter.person.region": ("参保统筹区：", "Pooling region:"),
    "counter.person.balances": ("个人账户（历年 / 当年）：", "Personal account (历年 / 当年):"),
    "counter.person.pays_for": ("为谁共济", "Pays for"),
    "counter.person.paid_by": ("谁为其共济", "Paid for by"),
    "counter.person.proxies": ("亲情账户", "亲情账户 (family accounts)"),
    "counter.person.suspensions": ("联网结算暂停记录", "Suspensions of networked settlement"),
    "counter.person.insurance": ("险种", "Insurance"),
    "counter.person.actions": ("窗口办理", "At the counter"),
    "counter.person.networked": ("联网结算", "Networked settlement"),
    "counter.person.suspended": ("已暂停", "suspended"),
    "counter.person.normal": ("正常", "normal"),
    "counter.person.is_their": ("本人是其{relation}", "The person is their {relation}"),
    "counter.person.own_first": ("看病购药时先用本人的个人账户。", "The person's own account always pays first."),
    "counter.person.changes_line": (
        "本年已变更 {used} 次，{region}每年最多 {limit} 次。",
        "{used} changes this year; {region} allows {limit} a year.",
    ),
    "counter.person.changes_unlimited": (
        "本年已变更 {used} 次，{region}不限变更次数。",
        "{used} changes this year; {region} sets no limit.",
    ),
    "counter.person.settlements": ("{year} 年与其有关的结算", "Settlements of {year} that involve the person"),
    "counter.none": ("无", "None"),
    "counter.relative": ("亲属证件号码", "Relative's ID number"),
    "counter.reason": ("原因", "Reason"),
    "counter.explain": ("查看结算说明", "See the settlement's explanation"),
    "counter.bind.title": (
        "窗口绑定（材料已核验，即时生效）",
        "Bind at the counter (documents checked, effective at once)",
    ),
    "counter.bind.relation": ("亲属是本人的", "The relative is the person's"),
    "counter.bind.proof": ("已核验的证明材料编号", "Reference of the documents checked"),
    "counter.bind.button": ("办理绑定", "Bind"),
    "counter.end.button": ("解除", "End"),
    "counter.proxy.title": ("亲情账户", "亲情账户 (family account)"),
    "counter.proxy.note": (
        "亲情账户只代为出示医保码、查询记录，不共用资金。",
        "A 亲情账户 only shows a relative's code and records; it shares no money.",
    ),
    "counter.proxy.add": ("添加", "Add"),
    "counter.proxy.end": ("解除", "End"),
    "counter.claim.title": ("手工报销（凭票据）", "Manual reimbursement (with receipts)"),
    "counter.claim.institution": ("医药机构编码", "Institution code"),
    "counter.claim.med_type": ("就诊类别", "Kind of visit"),
    "counter.claim.date": ("就诊日期", "Visit date"),
    "counter.claim.issuer": ("开票单位", "Receipt issued by"),
    "counter.claim.receipt_no": ("票据号码", "Receipt number"),
    "counter.claim.line": ("第 {n} 项费用", "Fee line {n}"),
    "counter.claim.item_code": ("项目编码", "Item code"),
    "counter.claim.quantity": ("数量", "Quantity"),
    "counter.claim.price": ("单价（元）", "Unit price (yuan)"),
    "counter.claim.button": ("提交并结算", "Submit and settle"),
    "counter.claim.settled": (
        "已结算，应支付给参保人 {amount} 元。",
        "Settled: {amount} yuan is paid out to the person.",
    ),
    "counter.suspend.title": ("联网结算暂停 / 恢复", "Suspend or resume networked settlement"),
    "counter.suspend.button": ("暂停", "Suspend"),
    "counter.resume.button": ("恢复", "Resume"),
    "counter.suspension.lifted": ("已恢复", "lifted"),
    "counter.done.bind": ("绑定已生效。", "The binding is in force."),
    "counter.done.end": ("已解除。", "Ended."),
    "counter.done.proxy_add": ("亲情账户已添加。", "The 亲情账户 was added."),
    "counter.done.proxy_end": ("亲情账户已解除。", "The 亲情账户 was ended."),
    "counter.done.claim": ("报销已结算。", "The claim is settled."),
    "counter.done.suspend": ("已暂停联网结算。", "Networked settlement is suspended."),
    "counter.done.resume": ("已恢复联网结算。", "Networked settlement is resumed."),
    "counter.audit.title": ("经办操作日志", "Operators' audit trail"),
    "counter.audit.at": ("时间", "When"),
    "counter.audit.operator": ("经办人", "Operator"),
    "counter.audit.region": ("统筹区", "Region"),
    "counter.audit.action": ("操作", "Action"),
    "counter.audit.subject": ("对象", "On whom"),
    "counter.audit.outcome": ("结果", "Outcome"),
    "counter.audit.done": ("已办理", "done"),
    "counter.audit.refused": ("已拒绝", "refused"),
    "counter.audit.detail": ("详情", "Detail"),
    "counter.action.sign_in": ("登录", "Signed in"),
    "counter.action.bind": ("窗口绑定", "Bind"),
    "counter.action.end": ("解除关系", "End a relation"),
    "counter.action.proxy_add": ("添加亲情账户", "Add a 亲情账户"),
    "counter.action.proxy_end": ("解除亲情账户", "End a 亲情账户"),
    "counter.action.claim": ("手工报销", "Manual claim"),
    "counter.action.suspend": ("暂停联网结算", "Suspend"),
    "counter.action.resume": ("恢复联网结算", "Resume"),
}


class _Named(Protocol):
    """Anything named in both languages (code values, regions, rule parameters)."""

    @property
    def zh(self) -> str: ...

    @property
    def en(self) -> str: ...


@dataclass(frozen=True)
class Translator:
    """The strings of one language: ``_("key", **params)`` in templates, and names of code values.

    With ``html`` set (templates), a text comes back as markup: the catalogue's text escaped, plain parameters
    escaped, and parameters that are already markup (a name wrapped in ``<span translate="no">``) kept as they are.
    """

    lang: Lang
    html: bool = False

    def __call__(self, key: str, **params: Any) -> str:
        """The catalogue's text for ``key`` in this language, with ``params`` filled in."""
        zh, en = CATALOGUE[key]
        text = zh if self.lang is Lang.ZH else en
        if self.html:
            return Markup(escape(text)).format(**params) if params else Markup(escape(text))
        return text.format(**params) if params else text

    def has(self, key: str) -> bool:
        """Whether the catalogue holds ``key``."""
        return key in CATALOGUE

    def pick(self, zh: str, en: str) -> str:
        """One of two texts the service gave in both languages."""
        return zh if self.lang is Lang.ZH else en

    def named(self, value: _Named) -> str:
        """A code value's, region's or parameter's own name in this language (its ``zh`` or ``en``)."""
        return self.pick(value.zh, value.en)

    def error(self, error: GongjiError) -> str:
        """A refusal's message in this language."""
        return self.pick(error.message_zh, error.message_en)

    def relation(self, value: str) -> str:
        """A relation type (``child`` → 子女 / child)."""
        return self.named(RelationType(value))

    def relation_list(self, values: list[str]) -> str:
        """Several relation types, joined as the language lists things (配偶、父母 / spouse, parent)."""
        return str(self("common.list_sep")).join(self.relation(v) for v in values)

    def state(self, value: str) -> str:
        """A relation's state on a day."""
        return self(f"state.{value}")

    def end_reason(self, value: str | None) -> str:
        """Why a relation ended."""
        return self(f"end.{value}") if value else self("common.dash")

    def insutype(self, value: str | None) -> str:
        """An insurance type (``310`` → 职工基本医疗保险 / employee basic medical insurance)."""
        if value is None:
            return self("common.dash")
        return self.named(Insutype.parse(value))

    def med_type(self, value: str | None) -> str:
        """A medical type (``41`` → 定点药店购药 / designated pharmacy purchase)."""
        if value is None:
            return self("common.dash")
        return self.named(MedType.parse(value))

    def sex(self, value: str) -> str:
        """A sex code."""
        return self.named(Sex.parse(value))

    def account(self, value: str) -> str:
        """An account kind (``personal_prior`` → 个人账户（历年） / personal account, prior years)."""
        return self.named(AccountKind(value))

    def journal(self, value: str) -> str:
        """A journal kind (``settlement`` → 医疗费用结算 / settlement)."""
        return self.named(JournalKind(value))

    def region(self, code: str | None) -> str:
        """A region's name (its code when the code is not known)."""
        if code is None:
            return self("common.dash")
        try:
            region = parse_region(code)
        except GongjiError:
            return code
        return self.named(region)

    def regions(self, codes: Iterable[str]) -> str:
        """Regions' names as one list, in this language's way of listing."""
        return self("common.list_sep").join(self.region(code) for code in codes)

    def param(self, name: str, fallback_zh: str = "") -> str:
        """A rule parameter's name."""
        found = PARAMETERS.get(name)
        if found is None:
            return fallback_zh or name
        return self.named(found)

    def limit(self, value: int | str) -> str:
        """A count limit (``"unlimited"`` → 不限 / no limit)."""
        return str(value) if isinstance(value, int) else self("common.unlimited")
