"""Deliberate errors: the class matches the code's kind, messages format, and stored errors replay as raised."""

from __future__ import annotations

import json
import string
from datetime import date
from typing import Any

import pytest

from gongji.domain.errors import (
    Conflict,
    ErrorCode,
    ErrorKind,
    GongjiError,
    InvalidInput,
    NotFound,
    Refused,
)

CLASS_OF_KIND: dict[ErrorKind, type[GongjiError]] = {
    ErrorKind.INVALID_INPUT: InvalidInput,
    ErrorKind.NOT_FOUND: NotFound,
    ErrorKind.REFUSED: Refused,
    ErrorKind.CONFLICT: Conflict,
}
ERROR_CLASSES = list(CLASS_OF_KIND.values())


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def dummy_params(code: ErrorCode) -> dict[str, Any]:
    """A distinct value for every placeholder either message names."""
    fields = placeholders(code.value.zh) | placeholders(code.value.en)
    return {field: f"<{field}>" for field in sorted(fields)}


def _code_id(code: ErrorCode) -> str:
    return code.name


# --- codes and their kinds ------------------------------------------------------------------------------


def test_every_kind_has_codes_and_its_own_class() -> None:
    assert {code.kind for code in ErrorCode} == set(ErrorKind)
    assert len(set(ERROR_CLASSES)) == len(ErrorKind)
    for error_class in ERROR_CLASSES:
        assert issubclass(error_class, GongjiError)
        assert issubclass(error_class, Exception)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (ErrorCode.AMOUNT_INVALID, ErrorKind.INVALID_INPUT),
        (ErrorCode.CODE_UNKNOWN, ErrorKind.INVALID_INPUT),
        (ErrorCode.PERSON_NOT_FOUND, ErrorKind.NOT_FOUND),
        (ErrorCode.JOURNAL_NOT_FOUND, ErrorKind.NOT_FOUND),
        (ErrorCode.INSUFFICIENT_BALANCE, ErrorKind.REFUSED),
        (ErrorCode.PERSON_DETAILS_MISMATCH, ErrorKind.REFUSED),
        (ErrorCode.IDEMPOTENCY_CONFLICT, ErrorKind.CONFLICT),
    ],
)
def test_codes_belong_to_the_kind_they_describe(code: ErrorCode, kind: ErrorKind) -> None:
    assert code.kind is kind


@pytest.mark.parametrize("code", list(ErrorCode), ids=_code_id)
def test_each_code_is_raised_by_the_class_of_its_kind(code: ErrorCode) -> None:
    error_class = CLASS_OF_KIND[code.kind]
    error = error_class(code, **dummy_params(code))
    assert error.code is code
    assert isinstance(error, GongjiError)


@pytest.mark.parametrize("error_class", ERROR_CLASSES, ids=lambda c: c.__name__)
def test_each_error_class_refuses_a_code_of_another_kind(error_class: type[GongjiError]) -> None:
    others = [code for code in ErrorCode if CLASS_OF_KIND[code.kind] is not error_class]
    assert others
    for code in others:
        with pytest.raises(TypeError, match=code.name):
            error_class(code, **dummy_params(code))


def test_the_base_class_takes_a_code_of_any_kind() -> None:
    for code in ErrorCode:
        assert GongjiError(code, **dummy_params(code)).code is code


# --- messages -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", list(ErrorCode), ids=_code_id)
def test_every_message_template_formats_with_the_placeholders_it_names(code: ErrorCode) -> None:
    params = dummy_params(code)
    zh = code.value.zh.format(**params)
    en = code.value.en.format(**params)
    assert "{" not in zh
    assert "{" not in en
    for field in placeholders(code.value.zh):
        assert f"<{field}>" in zh
    for field in placeholders(code.value.en):
        assert f"<{field}>" in en


@pytest.mark.parametrize("code", list(ErrorCode), ids=_code_id)
def test_every_code_has_both_messages(code: ErrorCode) -> None:
    assert code.value.zh.strip()
    assert code.value.en.strip()
    assert code.value.zh != code.value.en


@pytest.mark.parametrize("code", list(ErrorCode), ids=_code_id)
def test_chinese_and_english_messages_explain_the_same_thing(code: ErrorCode) -> None:
    # Each language may name its own *_zh/*_en field, but the language-neutral facts appear in both.
    def neutral(template: str) -> set[str]:
        return {f for f in placeholders(template) if not f.endswith(("_zh", "_en"))}

    assert neutral(code.value.zh) == neutral(code.value.en)


def test_the_exception_text_is_the_english_message() -> None:
    error = NotFound(ErrorCode.PERSON_NOT_FOUND, ref="P0001")
    assert str(error) == "No such person: P0001"
    assert error.message_en == "No such person: P0001"
    assert error.message_zh == "查无此人：P0001"


def test_a_missing_parameter_is_a_bug_caught_at_once() -> None:
    with pytest.raises(KeyError):
        NotFound(ErrorCode.PERSON_NOT_FOUND)


# --- stored and replayed --------------------------------------------------------------------------------


def test_to_dict_describes_the_error() -> None:
    error = Refused(
        ErrorCode.INSUFFICIENT_BALANCE,
        account_zh="个人账户（历年）",
        account_en="personal account (prior years)",
        balance="1.00",
        needed="2.00",
    )
    assert error.to_dict() == {
        "code": "INSUFFICIENT_BALANCE",
        "kind": "refused",
        "message_zh": "个人账户（历年）余额不足：余额 1.00，需 2.00",
        "message_en": "Insufficient balance in personal account (prior years): balance 1.00, needs 2.00",
        "params": {
            "account_zh": "个人账户（历年）",
            "account_en": "personal account (prior years)",
            "balance": "1.00",
            "needed": "2.00",
        },
    }


@pytest.mark.parametrize("code", list(ErrorCode), ids=_code_id)
def test_an_error_replays_from_its_dict_as_the_same_error(code: ErrorCode) -> None:
    original = CLASS_OF_KIND[code.kind](code, **dummy_params(code))
    stored = json.loads(json.dumps(original.to_dict(), ensure_ascii=False))
    replayed = GongjiError.from_dict(stored)
    assert type(replayed) is type(original)
    assert replayed.code is original.code
    assert dict(replayed.params) == dict(original.params)
    assert replayed.message_zh == original.message_zh
    assert replayed.message_en == original.message_en
    assert replayed.to_dict() == original.to_dict()


def test_non_plain_parameters_are_stored_as_text_and_replay_with_the_same_messages() -> None:
    original = Refused(ErrorCode.PERSON_DECEASED, ref=7, on=date(2024, 5, 1))
    stored = original.to_dict()
    assert stored["params"] == {"ref": 7, "on": "2024-05-01"}
    replayed = GongjiError.from_dict(json.loads(json.dumps(stored)))
    assert isinstance(replayed, Refused)
    assert replayed.message_en == original.message_en == "7 died on 2024-05-01; this cannot be done for them"
    assert replayed.params == {"ref": 7, "on": "2024-05-01"}


def test_from_dict_refuses_an_unknown_code() -> None:
    with pytest.raises(KeyError):
        GongjiError.from_dict({"code": "NO_SUCH_CODE", "params": {}})


def test_parameters_are_copied_not_shared() -> None:
    params = {"ref": "P0001"}
    error = NotFound(ErrorCode.PERSON_NOT_FOUND, **params)
    params["ref"] = "P0002"
    assert error.params["ref"] == "P0001"
