"""Terms: rendered per language at the edges, stored and read back unchanged, shown to clients as codes."""

from __future__ import annotations

import json
import string

import pytest

from gongji.domain.codes import Insutype, RelationType
from gongji.domain.errors import ErrorCode, GongjiError, InvalidInput, Refused
from gongji.domain.phrases import Phrase
from gongji.domain.wording import Said, Text, decode, encode, localise


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("phrase", list(Phrase), ids=lambda p: p.name)
def test_a_phrase_has_the_same_fields_in_both_languages(phrase: Phrase) -> None:
    assert phrase.zh
    assert phrase.en
    assert _fields(phrase.zh) == _fields(phrase.en)


@pytest.mark.parametrize("code", list(ErrorCode), ids=lambda c: c.name)
def test_an_error_template_uses_the_same_fields_in_both_languages(code: ErrorCode) -> None:
    assert _fields(code.value.zh) == _fields(code.value.en)


def test_a_list_of_terms_is_joined_in_the_readers_language() -> None:
    spouses = [RelationType.SPOUSE, RelationType.CHILD]
    assert localise(spouses, "zh") == f"{RelationType.SPOUSE.zh}、{RelationType.CHILD.zh}"
    assert localise(spouses, "en") == f"{RelationType.SPOUSE.en}, {RelationType.CHILD.en}"


def test_terms_survive_storage() -> None:
    values = [Insutype.RESIDENT_BASIC, [RelationType.SPOUSE], Text("甲", "A", "a"), 3, "plain"]
    values += [
        Phrase.ACT_SETTLE,
        Said(Phrase.LEVEL_RATED, {"level": "3"}),
        [Phrase.ACT_SETTLE, Insutype.EMPLOYEE_BASIC],
    ]
    stored = json.loads(json.dumps([encode(v) for v in values]))
    assert [decode(v) for v in stored] == values


def test_a_refusal_replays_with_the_same_message_and_shows_codes_to_clients() -> None:
    refusal = Refused(ErrorCode.PATIENT_NOT_INSURED, name="李秀英", insutype=Insutype.RESIDENT_BASIC)
    assert Insutype.RESIDENT_BASIC.zh in refusal.message_zh
    assert Insutype.RESIDENT_BASIC.en in refusal.message_en
    again = GongjiError.from_dict(json.loads(json.dumps(refusal.to_record())))
    assert (again.message_zh, again.message_en) == (refusal.message_zh, refusal.message_en)
    shown = refusal.to_dict()["params"]
    assert shown["insutype"] == Insutype.RESIDENT_BASIC.value
    assert shown["insutype_zh"] == Insutype.RESIDENT_BASIC.zh


def test_words_given_in_both_languages_become_one_term_and_replay() -> None:
    error = InvalidInput(ErrorCode.FIELD_INVALID, field="x", reason_zh="太长", reason_en="too long")
    assert error.message_zh.endswith("太长")
    assert error.message_en.endswith("too long")
    stored_before_terms = {
        "code": "FIELD_INVALID",
        "params": {"field": "x", "reason_zh": "太长", "reason_en": "too long"},
    }
    assert GongjiError.from_dict(stored_before_terms).message_en == error.message_en


def test_only_gongji_classes_are_read_back_as_terms() -> None:
    with pytest.raises(ValueError, match="not a gongji term"):
        decode({"term": "os:system", "code": "true"})
