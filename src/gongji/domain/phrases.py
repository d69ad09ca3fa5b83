"""The catalogue of phrases the engine's refusals and explanations use, in Chinese and English.

A phrase is a term (see :mod:`gongji.domain.wording`): the service passes ``Phrase.REFERENCE_REQUIRED``, or
``Said(Phrase.AT_MOST_CHARS, {"max": 200})`` for one with fields, and the edges render it. Fields are
``str.format`` fields named alike in both languages (a unit test holds the catalogue to that).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["Phrase"]


@dataclass(frozen=True)
class _Words:
    zh: str
    en: str


class Phrase(Enum):
    """Every phrase, by a stable name."""

    # --- visits and settlements ----------------------------------------------------------------------------
    ACT_PREVIEW = _Words("预结算", "preview it")
    ACT_SETTLE = _Words("结算", "settle it")
    ACT_REVERSE_SETTLEMENT = _Words("撤销结算", "reverse it")
    ACT_DISCHARGE = _Words("办理出院", "discharge it")
    ACT_CANCEL_DISCHARGE = _Words("撤销出院", "cancel its discharge")
    ACT_UPLOAD_FEES = _Words("上传费用", "upload fees")
    ACT_CANCEL_FEES = _Words("撤销费用", "cancel fees")
    ACT_CANCEL_VISIT = _Words("撤销就诊", "cancel it")
    ACT_RECORD_ADMISSION_DIAGNOSES = _Words("记录入院诊断", "record admission diagnoses")
    ACT_CHANGE_VISIT = _Words("变更就诊信息", "change it")
    CHANGE_VISIT_BY_2203 = _Words(
        "门诊就诊信息以 2203 上传，入院信息变更（2403）只用于住院",
        "an outpatient visit is recorded by 2203; 2403 is for stays",
    )
    CHANGE_STAY_BY_2403 = _Words(
        "住院信息以入院信息变更（2403）修改，2203 只用于门诊",
        "a stay is changed by 2403; 2203 is for outpatient visits",
    )
    MED_TYPE_OTHER_KIND = _Words(
        "医疗类别 {med_type} 与就诊类型（门诊、住院或购药）不同", "medical type {med_type} is of another kind of visit"
    )
    LINE_AMOUNT = _Words(
        "明细金额须等于数量×单价（允许一分钱的舍入差）",
        "an item's amount is its quantity times its unit price (to within a fen of rounding)",
    )
    MID_STAY_NOT_A_STAY = _Words("不是住院", "it is not a hospital stay")
    MID_STAY_DISCHARGED = _Words(
        "已办理出院，请做出院结算（mid_setl_flag=0）", "the stay is discharged: settle it finally (mid_setl_flag=0)"
    )
    FIELD_MED_TYPE = _Words("医疗类别（med_type）", "medical type (med_type)")
    FIELD_INSUTYPE = _Words("险种类型（insutype）", "insurance type (insutype)")
    QUANTITY_FORMAT = _Words(
        "数量须为非零、最多三位小数的数", "a quantity is a non-zero number with at most three decimals"
    )
    DIAGNOSES_AT_MOST = _Words(
        "诊断至多 {max} 条，序号不得重复", "at most {max} diagnoses, each with its own order number"
    )
    DIAGNOSIS_FIELDS = _Words("诊断须有代码（≤30）和名称（≤200）", "a diagnosis needs a code (≤ 30) and a name (≤ 200)")
    LINES_PER_UPLOAD = _Words("一次上传 1 到 {max} 条明细", "upload 1 to {max} lines at a time")
    LINE_FIELDS = _Words(
        "须有流水号、项目编码和不为负的单价",
        "a line needs a serial number, an item code and a unit price that is not negative",
    )
    BILL_TOO_LARGE = _Words(
        "一次就诊的费用（及每条明细）不得超过 1 亿元",
        "a visit's bill (and each of its lines) is at most 100 million yuan",
    )
    RETURN_SHAPE = _Words(
        "退费须为负数量并注明原明细流水号", "a return has a negative quantity and names the line it returns"
    )
    RETURN_LINE_MISSING = _Words("原明细不存在或已撤销", "the line it returns does not exist or was cancelled")
    RETURN_OTHER_ITEM = _Words(
        "退费须与原明细的项目和单价相同", "a return has the item and unit price of the line it returns"
    )
    RETURN_TOO_MUCH = _Words("退费数量超过原明细剩余数量", "more is returned than is left of the line")
    LINE_NOT_FOUND = _Words("明细不存在或已撤销", "no such line, or already cancelled")
    LEVEL_RATED = _Words("{level} 级医疗机构", "level {level}")
    LEVEL_UNRATED = _Words("未定级机构", "unrated institution")
    LEVEL_ANY = _Words("任何级别医疗机构", "any level")
    PATIENT_SELF = _Words("本人", "self")
    REVERSAL_DEFAULT_REASON = _Words("撤销", "reversed")

    # --- relations, eligibility, people and enrollment ------------------------------------------------------
    # what cannot be done in a relation's or an enrollment's state ("… cannot {action}")
    ACT_CONFIRM_BINDING = _Words("确认", "confirm it")
    ACT_DECLINE_BINDING = _Words("拒绝", "decline it")
    ACT_END_RELATION = _Words("解除", "end it")
    ACT_ASK_END_AGAIN = _Words("再次申请解除", "ask again to end it")
    ACT_SET_QUOTA = _Words("设定额度", "set its quota")
    ACT_MOVE_REGION = _Words("转移接续", "move it to another pooling region")
    ACT_PAUSE_ENROLLMENT = _Words("暂停参保", "pause it")
    ACT_RESUME_ENROLLMENT = _Words("恢复参保", "resume it")
    ACT_TERMINATE_ENROLLMENT = _Words("终止参保", "terminate it")
    # why a field of a request is invalid
    MUST_NOT_BE_NEGATIVE = _Words("不能为负数", "must not be negative")
    AT_MOST_CHARS = _Words("最多 {max} 个字符", "at most {max} characters")
    COUNTER_NAMES_OPERATOR = _Words(
        "窗口办理须填写经办人（1 到 {max} 个字符）", "a counter action names its operator (1 to {max} characters)"
    )
    COUNTER_RECORDS_PROOF = _Words(
        "窗口办理须登记所核验的证明材料编号", "a counter binding records the documents checked"
    )
    SAY_WHICH_SIDE_ENDS = _Words("须说明由哪一方解除", "say which side asks to end it")
    NAME_THE_RELATION = _Words(
        "本统筹区按每位亲属设定额度，请指明共济关系", "quotas are set per relation in this region: name the relation"
    )
    USE_MOVE_FOR_TRANSFER = _Words(
        "转移到其他统筹区请用“转移接续”", "use the move to another pooling region for transfers"
    )
    SAY_WHICH_INSUTYPE_ENDS = _Words("请指明要终止的险种", "say which insurance type ends")
    PHONE_OR_ADDRESS = _Words("至少填写电话或地址之一", "give a phone number, an address, or both")
    EMPLOYEE_INSURANCE_REFUSES_PSN_TYPE = _Words(
        "职工医保不能登记人员类别“{psn_type}”", "employee insurance cannot take person type '{psn_type}'"
    )
    RESIDENT_INSURANCE_REFUSES_PSN_TYPE = _Words(
        "居民医保不能登记人员类别“{psn_type}”", "resident insurance cannot take person type '{psn_type}'"
    )
    EMPLOYER_ONLY_FOR_EMPLOYEES = _Words("只有职工医保登记参保单位", "only employee insurance records an employer")
    EMPLOYER_AT_MOST_CHARS = _Words("单位名称最多 {max} 个字符", "an employer name is at most {max} characters")
    FIELD_SEX = _Words("性别", "sex")
    FIELD_BIRTH_DATE = _Words("出生日期", "birth date")
    # who someone is in a relation
    PARTY_EITHER = _Words("当事人", "party")
    PARTY_AUTHORISER = _Words("共济人", "authoriser")
    PARTY_BENEFICIARY = _Words("被共济人", "beneficiary")
    ALREADY_A_BENEFICIARY = _Words("是他人的被共济人", "is someone's beneficiary")
    ALREADY_AN_AUTHORISER = _Words("是共济人", "is an authoriser")
    WOULD_BE_AN_AUTHORISER = _Words("将是共济人", "would be an authoriser")
    # what a binding needs and what its parties hold
    REVERSE_OF_RELATION = _Words("{relation}的反向关系", "the reverse of {relation}")
    NO_REGION_HAS_THIS_RELATION = _Words("任何地区均无此关系类型", "no region has such a relation type")
    PROOF_SIGNED_COMMITMENT = _Words("共济人签署的承诺书", "the authoriser's signed commitment (承诺书)")
    PROOF_DOCUMENTS = _Words(
        "亲属关系证明（户口簿、结婚证或出生医学证明编号）",
        "proof of the relation (household register, marriage or birth certificate number)",
    )
    NOT_INSURED = _Words("未参保", "not insured")
    INSUTYPE_IN_STATUS = _Words("{insutype}·{status}", "{insutype}, {status}")
    NOBODY = _Words("（无）", "(none)")
    # what the family's relations make impossible
    KIN_NOT_OLDER = _Words(
        "{name}（{born}）不比{other}（{other_born}）年长，不能是其{relation}",
        "{name} (born {born}) is not older than {other} (born {other_born}) and cannot be their {relation}",
    )
    KIN_NOT_YOUNGER = _Words(
        "{name}（{born}）不比{other}（{other_born}）年轻，不能是其{relation}",
        "{name} (born {born}) is not younger than {other} (born {other_born}) and cannot be their {relation}",
    )
    KIN_TWO_PARENTS = _Words("{child} 已登记两位父母", "{child} already has two parents on record")
    KIN_PARENT_OF_SAME_SEX = _Words(
        "{child} 已登记{role} {parent}", "{child} already has a {role} on record ({parent})"
    )
    KIN_FATHER = _Words("父亲", "father")
    KIN_MOTHER = _Words("母亲", "mother")
    KIN_SPOUSE_OF = _Words("{name}的配偶", "{name}'s spouse")
    KIN_PARENT_OR_SPOUSE_NOT_IN_LAW = _Words(
        "{name} 已登记为{other}的父母或配偶，不能是其配偶父母",
        "{name} is on record as {other}'s parent or spouse, not a parent-in-law",
    )
    KIN_SPOUSE_OF_SAME_SEX = _Words("配偶须为异性", "a spouse must be of the other sex under the Civil Code")
    KIN_HAS_A_SPOUSE = _Words("{name} 已登记配偶", "{name} already has a spouse on record")
    # what a relative's account pays, and why it does not
    CODE_AND_NAME = _Words("{code} {name}", "{code} {name}")
    RESIDENT_CONTRIBUTION = _Words("城乡居民医保个人缴费", "the resident insurance contribution")
    LONG_TERM_CARE_CONTRIBUTION = _Words("长期护理保险个人缴费", "the long-term care contribution")
    END_DATE_PASSED = _Words("已过约定的终止日期", "its end date has passed")
    RELATIVE_DECLINED = _Words("对方已拒绝申请", "the relative declined the request")
    BOTH_PARTS = _Words("历年及当年账户", "both parts")
    PRIOR_YEARS_PART_ONLY = _Words("仅历年账户可共济", "only the prior-years part may be shared")
    PRIOR_YEARS_AT_YEAR_START = _Words("年初历年账户余额 {amount}", "prior-years balance as the year began ({amount})")
    BALANCE_AT_YEAR_START = _Words(
        "年初（或开户时）账户余额 {amount}", "balance as the year (or his account) began ({amount})"
    )
    PROXY_LINK_SHARES_NO_MONEY = _Words(
        "亲情账户只能代为展码、查看就医记录，不共享个人账户资金。",
        "A proxy link (亲情账户) shows a relative's e-voucher and records; it shares no money.",
    )
    # the notes of a relation's events
    NOTE_DOCUMENTS = _Words("证明材料 {reference}", "documents {reference}")
    NOTE_CHECKED_AT_COUNTER = _Words(
        "窗口核验证明材料，即时生效", "documents checked at the counter; effective at once"
    )
    NOTE_CONFIRMED = _Words("{who}确认；{face}", "confirmed by {who}; {face}")
    NOTE_CONFIRMED_WAITING = _Words(
        "{who}确认；{face}；等待期 {days} 天", "confirmed by {who}; {face}; waiting period {days} days"
    )
    CONFIRMED_BY_SELF = _Words("本人", "the relative himself")
    CONFIRMED_BY_GUARDIAN = _Words("监护人", "a guardian")
    FACE_VERIFIED = _Words("人脸识别 {reference}", "face verified ({reference})")
    BELOW_FACE_AGE = _Words("未满人脸识别年龄", "below the face-verification age")
    NOTE_END_AWAITS_OTHER_SIDE = _Words("待对方确认解除", "awaiting the other side to end it")
    NOTE_PAYER_POSITION = _Words(
        "扣款顺序第 {position} 位（本人账户第 1 位）", "pays in position {position} (the own account is 1)"
    )
    NOTE_QUOTA = _Words("共济额度 {quota}", "quota set: {quota}")
    YUAN_A_YEAR = _Words("{amount} 元/年", "{amount} yuan a year")
    WHOLE_BALANCE = _Words("全部余额", "the whole balance")
    NOTE_ENDED_WITH = _Words("{reason}：{name}（{cause}）", "{reason}: {name} ({cause})")
    MOVED_BETWEEN_REGIONS = _Words("由 {from_region} 转至 {to_region}", "moved from {from_region} to {to_region}")
    NOTE_NOT_CONFIRMED_IN_TIME = _Words("申请未在有效期内确认", "not confirmed in time")

    # --- catalogue, accounts, reconciliation, tokens and the rest -------------------------------------------
    # Shared checks of fields.
    AT_MOST_PRINTABLE_CHARS = _Words("最多 {max} 个可打印字符", "at most {max} printable characters")
    ONE_TO_MAX_CHARS = _Words("须为 1 到 {max} 个字符", "1 to {max} characters")
    TEXT_REQUIRED = _Words("须填写", "required")
    AMOUNT_WITHIN_LIMIT = _Words("必须大于零且不超过 1 亿元", "must be above zero and at most 100 million yuan")
    PERIOD_ENDS_BEFORE_START = _Words("结束日期早于开始日期", "the end date is before the start date")
    SEMICOLON_JOINED = _Words("{first}；{then}", "{first}; {then}")
    # The institution registry.
    INSTITUTION_CODE_FORMAT = _Words(
        "定点医药机构编码“{value}”须为 1 到 {max} 个可见字符（例如 H13010200001）",
        "institution code '{value}' must be 1 to {max} visible characters (e.g. H13010200001)",
    )
    INSTITUTION_NAME_LENGTH = _Words("机构名称须为 1 到 {max} 个字符", "the name must be 1 to {max} characters")
    CODE_LIST_INSTITUTION_KIND = _Words("机构类型", "institution kind")
    CODE_LIST_HOSPITAL_LEVEL = _Words("医院等级", "hospital level")
    HOSPITAL_LEVEL_REQUIRED = _Words(
        "医疗机构须填写医院等级（1、2、3、3-provincial、3-municipal）",
        "a hospital needs its level (1, 2, 3, 3-provincial, 3-municipal)",
    )
    PHARMACY_HAS_NO_LEVEL = _Words("零售药店没有医院等级", "a pharmacy has no hospital level")
    POOLING_REGION_NOT_NATIONAL = _Words(
        "须为统筹区，不能为全国（100000）", "must be a pooling region, not the national level (100000)"
    )
    # Catalogue files: the file, its header and its rows.
    FILE_TOO_MANY_ROWS = _Words("超过 {max} 行上限，请拆分文件", "more than {max} rows; split the file")
    FILE_LINE_NOT_CSV = _Words("第 {line} 行不是有效的 CSV：{error}", "line {line} is not valid CSV: {error}")
    FILE_UNREADABLE = _Words("无法读取：{error}", "cannot be read: {error}")
    FILE_ENCODING_UNKNOWN = _Words("编码既不是 UTF-8 也不是 GB18030", "the encoding is neither UTF-8 nor GB18030")
    HEADER_MISSING = _Words("文件中没有表头（应为 {expected}）", "the file has no header (expected {expected})")
    HEADER_WRONG = _Words("{problems}（应为 {expected}）", "{problems} (expected {expected})")
    COLUMNS_UNKNOWN = _Words("未知的列 {columns}", "unknown columns {columns}")
    COLUMNS_MISSING = _Words("缺少列 {columns}", "missing columns {columns}")
    COLUMNS_REPEATED = _Words("重复的列 {columns}", "repeated columns {columns}")
    ROW_FIELD_COUNT = _Words(
        "本行有 {fields} 列，表头有 {header} 列", "the row has {fields} fields, the header {header}"
    )
    ROW_CODE_REPEATS = _Words("编码与第 {line} 行重复", "the code repeats line {line}")
    ROW_CODE_MISSING = _Words("缺少编码", "the code is missing")
    ROW_CODE_FORMAT = _Words(
        "编码须为 1 到 {max} 个可见 ASCII 字符", "the code must be 1 to {max} visible ASCII characters"
    )
    ROW_NAME_MISSING = _Words("缺少名称", "the name is missing")
    ROW_NAME_FORMAT = _Words("名称须为 1 到 {max} 个可打印字符", "the name must be 1 to {max} printable characters")
    ROW_CATEGORY_UNKNOWN = _Words("类别须为 A/B/C 或 甲/乙/丙", "the category must be A/B/C or 甲/乙/丙")
    ROW_KIND_UNKNOWN = _Words(
        "类型须为 drug/test/service/consumable（药品/检查检验/医疗服务/医用耗材）",
        "the kind must be drug, test, service or consumable",
    )
    ROW_UNIT_TOO_LONG = _Words("单位最多 {max} 个字符", "the unit must be at most {max} characters")
    PERCENT_FORMAT = _Words("不是百分比数字（例如 10 或 12.5）", "not a percentage (for example 10 or 12.5)")
    PERCENT_TWO_DECIMALS = _Words("最多两位小数", "at most two decimals")
    PERCENT_RANGE = _Words("须在 0 到 100 之间", "must be between 0 and 100")
    SELF_PAY_ONLY_CATEGORY_B = _Words(
        "只有乙类项目有先行自付比例，本行为{category}",
        "only category B items have a self-pay share; this row is {category}",
    )
    FLAG_FORMAT = _Words("须为 true/false、1/0 或 是/否", "must be true/false, 1/0 or 是/否")
    FLAG_OR_BLANK_FORMAT = _Words("须为 true/false、1/0 或 是/否，或留空", "must be true/false, 1/0, 是/否 or blank")
    # What a catalogue import did.
    COUNT_ROW = _Words("{count} 行", "{count} row")
    COUNT_ROWS = _Words("{count} 行", "{count} rows")
    COUNT_VALID_ROW = _Words("{count} 行", "{count} valid row")
    COUNT_VALID_ROWS = _Words("{count} 行", "{count} valid rows")
    COUNT_BATCH = _Words("{count} 批", "{count} batch")
    COUNT_BATCHES = _Words("{count} 批", "{count} batches")
    IMPORTED_ALL = _Words(
        "全部 {rows}已导入（{batches}，每批最多 {batch_size} 行，每批一个事务）。",
        "All {rows} imported (in {batches} of at most {batch_size}, one transaction each).",
    )
    IMPORTED_DESPITE_REJECTED = _Words(
        "{rejected}被拒绝，未导入；其余 {imported}有效，已分 {batches}导入（每批最多 {batch_size} 行，每批一个事务），"
        "尽管有被拒绝的行。改正被拒绝的行后可重新导入整个文件：已导入且未变的项目不会改动。",
        "{rejected} rejected and not imported; the other {imported} imported anyway (in {batches} of at most "
        "{batch_size}, one transaction each). Correct the rejected rows and import the whole file again: items "
        "already stored as given are left alone.",
    )
    # Personal accounts, contributions, claims, suspensions and aggregates.
    ACCOUNT_REFERENCE_REQUIRED = _Words(
        "须填写 1 到 {max} 个字符的凭证号或说明", "a reference of 1 to {max} characters is required"
    )
    ACT_CREDIT_PERSONAL_ACCOUNT = _Words("划入个人账户", "credit the personal account")
    ACT_OPEN_WALLET = _Words("开通医保钱包", "open the wallet")
    # The wallet (医保钱包).
    ACT_ACCEPT_TRANSFER = _Words("接收", "accept it")
    ACT_DECLINE_TRANSFER = _Words("拒收", "decline it")
    ACT_TAKE_BACK_TRANSFER = _Words("收回", "take it back")
    WALLET_RECEIVER = _Words("接收人", "receiver")
    WALLET_SENDER = _Words("转出人", "sender")
    PART_PRIOR_YEARS = _Words("历年账户", "prior-years part")
    PART_WHOLE_ACCOUNT = _Words("个人账户", "personal account")
    TAKEN_BACK = _Words("转出人收回", "taken back by the sender")
    WALLET_CLOSED = _Words("接收人注销钱包", "the receiver closed the wallet")
    PAID_THROUGH_WALLET = _Words("经医保钱包", "through the wallet")
    PAID_BY_BINDING = _Words("家庭共济", "family mutual aid")
    JOURNAL_IS_A_REVERSAL = _Words("它本身是冲销凭证", "it is itself a reversal")
    JOURNAL_WRITTEN_BY_SYSTEM = _Words(
        "此类凭证由系统生成，不能手工冲销", "journals of this kind are written by the system"
    )
    CONTRIBUTION_REFERENCE_REQUIRED = _Words("须填写缴费单号", "a reference is required")
    RECEIVER_NAME_REQUIRED = _Words("跨节点转账须填写接收人姓名", "a transfer to another node names the receiver")
    CLAIM_RECEIPT_COUNT = _Words("须有 1 到 {max} 张票据", "1 to {max} receipts")
    CLAIM_RECEIPT_FIELDS = _Words(
        "票据须有开具单位、不重复的号码和费用明细",
        "a receipt needs an issuer, a number not repeated in the claim, and its fee lines",
    )
    AGGREGATE_PERIOD_MONTHS = _Words(
        "期间须为 1 到 {max} 个月，且结束不早于开始",
        "the period is 1 to {max} months and ends no earlier than it starts",
    )
    # Tokens of gongji's API, and institutions signing in to the national interface.
    ROLE_OPERATOR = _Words("经办机构", "operator")
    ROLE_INSTITUTION = _Words("定点医药机构", "institution")
    ROLE_ANALYST = _Words("分析人员", "analyst")
    NATIONAL_IS_NOT_A_POOLING_REGION = _Words("全国不是统筹区", "the national level is not a pooling region")
    OPERATOR_TOKEN_REGIONS = _Words(
        "经办机构令牌须授权 1 到 {max} 个统筹区", "an operator token is granted 1 to {max} pooling regions"
    )
    OPERATOR_TOKEN_NAMES_NO_INSTITUTION = _Words(
        "经办机构令牌不属于定点医药机构", "an operator token names no institution"
    )
    INSTITUTION_TOKEN_NAMES_INSTITUTION = _Words(
        "定点医药机构令牌须写明机构编码", "an institution token names its institution"
    )
    INSTITUTION_TOKEN_NO_REGION = _Words("定点医药机构令牌不授权统筹区", "an institution token is granted no region")
    ANALYST_TOKEN_NO_SCOPE = _Words(
        "分析人员令牌不授权统筹区或机构", "an analyst token is granted no region and no institution"
    )
    OPERATOR_NUMBER_LENGTH = _Words(
        "操作员编号须为 1 到 {max} 个字符", "the operator number must be 1 to {max} characters"
    )
    # Reconciliation (3201/3202): the period asked for.
    STATEMENT_BEGINS_AFTER_END = _Words("开始日期晚于结束日期", "the first day is after the last")
    STATEMENT_PERIOD_TOO_LONG = _Words(
        "共 {days} 天，超过 {max} 天的上限，请分段对账",
        "it spans {days} days, more than the limit of {max}; reconcile it in parts",
    )
    STATEMENT_TOO_MANY_SETTLEMENTS = _Words(
        "期间内结算超过 {max} 笔，请缩短对账期间", "it holds more than {max} settlement lines; use shorter periods"
    )
    STATEMENT_TOO_MANY_LINES = _Words("明细超过 {max} 行，请缩短对账期间", "more than {max} lines; use shorter periods")
    CLR_TYPE_UNSUPPORTED = _Words(
        "清算类别“{value}”不受支持，须为 11（门诊）、21（住院）或 41（药店购药）",
        "clearing type '{value}' is not supported; give 11 (outpatient), 21 (inpatient) or 41 (pharmacy purchase)",
    )
    # Reconciliation: the figures compared, and why gongji has no line the institution lists.
    FIGURE_SETL_CNT = _Words("结算笔数", "settlement counts")
    FIGURE_MEDFEE_SUMAMT = _Words("医疗费总额", "total medical fees")
    FIGURE_FUND_PAY_SUMAMT = _Words("基金支付总额", "fund payments")
    FIGURE_ACCT_PAY_SUMAMT = _Words("个人账户支付总额", "personal account payments")
    FIGURE_ACCT_PAY = _Words("个人账户支付", "personal account payments")
    FIGURE_MSGID = _Words("报文ID", "message ids")
    LINE_NOT_REVERSED = _Words("该结算未撤销", "the settlement is not reversed")
    LINE_BOOKED_OUTSIDE_PERIOD = _Words("发生于 {at}，不在对账期间内", "it was booked at {at}, outside the period")
    LINE_OUTSIDE_FILTERS = _Words(
        "险种 {insutype}、清算类别 {clr_type}、清算机构 {region}，不在本次对账范围内",
        "insurance type {insutype}, clearing type {clr_type}, clearing region {region}: outside this statement's "
        "filters",
    )
    # Reconciliation: the result texts (stmt_rslt_dscr) the national interface answers.
    STMT_TOTALS_BALANCED = _Words(
        "平：结算 {count} 笔，医疗费总额 {medfee} 元，基金支付总额 {fund} 元，个人账户支付总额 {acct} 元，与机构一致",
        "Balanced: {count} settlements, total medical fees {medfee} yuan, fund payments {fund} yuan, "
        "personal account payments {acct} yuan, as the institution reports",
    )
    STMT_DETAIL_BALANCED = _Words(
        "平：总额一致，明细 {count} 笔均一致", "Balanced: the totals agree and all {count} lines match"
    )
    STMT_NOT_BALANCED = _Words("不平：{details}", "Not balanced: {details}")
    STMT_FIGURE_DIFFERS = _Words(
        "{figure}不符：机构 {theirs}，医保 {ours}", "{figure} differ: institution {theirs}, gongji {ours}"
    )
    STMT_YUAN = _Words("{yuan} 元", "{yuan} yuan")
    STMT_COUNT = _Words("{count} 笔", "{count}")
    STMT_NONE = _Words("无", "none")
    STMT_SETTLEMENT = _Words("结算", "settlement")
    STMT_REVERSAL = _Words("结算撤销", "reversal")
    STMT_LINE_MATCHES = _Words("一致", "Matches")
    STMT_LINE_NOT_LISTED = _Words("机构未上传此笔{what}", "The institution did not list this {what}")
    STMT_LINE_DUPLICATE = _Words("机构重复上传此笔{what}", "The institution listed this {what} more than once")
    STMT_LINE_UNKNOWN = _Words("医保对账期间内无此笔{what}", "gongji has no such {what} in the period")
    STMT_LINE_UNKNOWN_BECAUSE = _Words(
        "医保对账期间内无此笔{what}：{why}", "gongji has no such {what} in the period: {why}"
    )
    STMT_LINES_WRONG = _Words("明细 {count} 笔不符（{kinds}）", "{count} lines do not match ({kinds})")
    STMT_LINES_DIFFERING = _Words("金额不符 {count} 笔", "{count} differing")
    STMT_LINES_NOT_LISTED = _Words("机构未上传 {count} 笔", "{count} not listed by the institution")
    STMT_LINES_UNKNOWN = _Words("医保无此记录 {count} 笔", "{count} unknown to gongji")
    STMT_LINES_DUPLICATE = _Words("机构重复上传 {count} 笔", "{count} listed twice")

    # --- national interface: entitlement and pre-checks ---------------------------------------------------------
    NAME_WITH_CODE = _Words("{name}（{code}）", "{name} ({code})")
    # 2001 人员待遇享受检查: what each check found (trt_chk_rslt).
    ENT_DIED = _Words("已于 {on} 身故", "died on {on}")
    ENT_NOT_ENROLLED = _Words(
        "{day} 无{insutype}（{code}）正常参保记录", "no {insutype} ({code}) enrollment in normal status on {day}"
    )
    ENT_ENROLLED = _Words(
        "正常参保：{insutype}，统筹区 {region}，自 {since}",
        "enrolled in {insutype}, pooling region {region}, since {since}",
    )
    ENT_NOT_SUSPENDED = _Words("未暂停联网结算", "networked settlement not suspended")
    ENT_SUSPENDED = _Words(
        "联网结算自 {since} 起暂停：{reason}", "networked settlement suspended since {since}: {reason}"
    )
    ENT_CHRONIC_FILED = _Words("门诊慢特病备案有效：{diseases}", "chronic-disease filing in force: {diseases}")
    ENT_NO_CHRONIC_FILING = _Words("{day} 无有效的门诊慢特病备案", "no chronic-disease filing in force on {day}")
    ENT_NO_CHRONIC_FILING_FOR = _Words(
        "{day} 无有效的门诊慢特病“{disease}”备案", "no chronic-disease filing for '{disease}' in force on {day}"
    )
    ENT_NO_DESIGNATION = _Words("未办理人员定点备案，不限定点医药机构", "no designation filed: any institution")
    ENT_DESIGNATED_HERE = _Words("本机构为参保人备案的定点医药机构", "this institution is one the person designated")
    ENT_DESIGNATED_ELSEWHERE = _Words(
        "参保人备案的定点医药机构为 {codes}，不含本机构 {institution}",
        "the designated institutions filed are {codes}, not {institution}",
    )
    ENT_REFERRED_HERE = _Words("转院备案有效，转往本机构", "referral to this institution in force")
    ENT_NOT_REFERRED = _Words(
        "{day} 无转往本机构 {institution} 的有效转院备案", "no referral to institution {institution} in force on {day}"
    )
    # 3101 / 3102 明细审核: the rules (rule_name) and what they found (vola_cont).
    RULE_OFF_CATALOGUE = _Words("医保目录外项目", "item outside the catalogue")
    RULE_SELF_PAID_ITEM = _Words("全自费（丙类）项目", "category C item (self-paid)")
    RULE_ABOVE_PRICE_CAP = _Words("超医保限价", "price above the catalogue's cap")
    RULE_ODD_QUANTITY = _Words("数量异常", "implausible quantity")
    RULE_AMOUNT_MISMATCH = _Words("明细金额与数量单价不符", "amount is not quantity × price")
    RULE_NOT_INSURED = _Words("就诊日无有效参保", "not insured on the day")
    RULE_SUSPENDED = _Words("联网结算已暂停", "networked settlement suspended")
    PRE_OFF_CATALOGUE = _Words("{item} 不在医保目录中", "{item} is not in the catalogue")
    PRE_SELF_PAID_ITEM = _Words("{item} 为丙类，全自费", "{item} is category C, paid in full by the person")
    PRE_ABOVE_PRICE_CAP = _Words(
        "{item} 单价 {price} 元高于限价 {cap} 元", "{item} costs {price} yuan, above the cap of {cap} yuan"
    )
    PRE_ODD_QUANTITY = _Words("{item} 数量 {quantity} 异常", "{item}: quantity {quantity} is implausible")
    PRE_AMOUNT_MISMATCH = _Words(
        "{item} 金额 {given} 元，数量×单价为 {expected} 元",
        "{item}: amount {given} yuan, but quantity × price is {expected} yuan",
    )
    PRE_NOT_INSURED = _Words("{day} 无{insutype}正常参保", "not insured ({insutype}) on {day}")
    PRE_NOT_INSURED_BASIC = _Words("{day} 无基本医疗保险正常参保", "no basic insurance in normal status on {day}")
    PRE_SUSPENDED = _Words("{day} 联网结算已暂停", "networked settlement suspended on {day}")
    # 2501–2506 备案 and the queries 5205 / 5206: what is filed or read, and why a request is refused.
    FILING_REFERRAL = _Words("转院备案", "referral filing")
    FILING_CHRONIC = _Words("人员慢特病备案", "chronic-disease filing")
    FILING_DESIGNATED = _Words("人员定点备案", "designation filing")
    FILING_TOO_MANY_FIELDS = _Words("备案字段超过 {max} 个", "more than {max} filing fields")
    LONGER_THAN_CHARS = _Words("超过 {max} 个字符", "longer than {max} characters")
    QUERY_CHRONIC_DRUGS = _Words("慢特病用药记录", "chronic-disease medication")
    QUERY_ACCUMULATORS = _Words("累计信息", "accumulated figures")

    @property
    def zh(self) -> str:
        """The phrase in Chinese (a template where it has fields)."""
        words: _Words = self.value
        return words.zh

    @property
    def en(self) -> str:
        """The phrase in English (a template where it has fields)."""
        words: _Words = self.value
        return words.en
