"""The portal's message catalogue file: the shipped one reads cleanly, and a broken one is refused with every problem
and its line, so a string added with a language or a field missing never reaches a page."""

from __future__ import annotations

import pytest

from gongji.api.portal.i18n import CATALOGUE
from gongji.api.portal.messages import CatalogueError, load_catalogue, parse_catalogue


def _problems(text: str) -> list[str]:
    with pytest.raises(CatalogueError) as raised:
        parse_catalogue(text, "m.yaml")
    return list(raised.value.problems)


def test_the_shipped_catalogue_is_what_the_translator_uses() -> None:
    assert load_catalogue() == CATALOGUE
    assert len(CATALOGUE) > 400


def test_an_entry_gives_its_chinese_and_english_in_order() -> None:
    text = 'a.b:\n  en: "{n} left"\n  zh: "还剩 {n}"\nc: {zh: "是", en: "Yes"}\n'
    assert parse_catalogue(text) == {"a.b": ("还剩 {n}", "{n} left"), "c": ("是", "Yes")}


def test_a_key_without_english_is_refused() -> None:
    assert _problems('a:\n  zh: "是"\n') == ["m.yaml:1: a has no en text"]


def test_chinese_and_english_must_name_the_same_fields() -> None:
    (problem,) = _problems('a:\n  zh: "{name} 的账户"\n  en: "{who}\'s account"\n')
    assert problem.startswith("m.yaml:1: a names fields ['name'] in zh but ['who'] in en")


def test_a_key_given_twice_is_refused_with_both_lines() -> None:
    text = 'a:\n  zh: "是"\n  en: "Yes"\na:\n  zh: "否"\n  en: "No"\n'
    assert _problems(text) == ["m.yaml:4: a is already on line 1"]


def test_texts_are_quoted_strings_with_paired_braces() -> None:
    text = 'a:\n  zh: yes\n  en: "Yes"\nb:\n  zh: "{"\n  en: "{"\nc:\n  zh: ""\n  en: "x"\n'
    problems = _problems(text)
    assert problems[0] == "m.yaml:2: not a text; write it in double quotes"
    assert problems[1].startswith("m.yaml:5: ")
    assert problems[2].startswith("m.yaml:6: ")
    assert problems[3] == "m.yaml:8: empty text"


def test_every_problem_is_reported_at_once() -> None:
    text = 'a:\n  zh: "是"\n  fr: "Oui"\nBad Key:\n  zh: "x"\n  en: "x"\nc: "just text"\n'
    assert _problems(text) == [
        "m.yaml:3: a has an unknown language 'fr' (only zh, en)",
        "m.yaml:1: a has no en text",
        "m.yaml:4: a key is dotted words of letters, digits and _",
        "m.yaml:7: c needs a mapping of zh and en",
    ]


def test_a_file_that_is_not_a_catalogue_is_refused() -> None:
    assert _problems("- a\n- b\n") == ["m.yaml: the catalogue is a mapping of keys to their zh and en texts"]
    assert _problems("a: [\n")[0].startswith("m.yaml: not YAML: ")
