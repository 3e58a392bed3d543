"""Instrument definitions: the shipped files load, and broken files give clear errors."""
from pathlib import Path

import pytest

from indicators.instrument import (
    PARTICIPANT_GROUPS,
    InstrumentError,
    get_instrument,
    instruments,
    load_instrument,
)

SHIPPED = Path(__file__).resolve().parents[1] / "indicators" / "definitions" / "2021-A.toml"


def test_shipped_versions_load_with_the_indicators_of_instrument_md():
    versions = instruments()
    assert set(versions) >= {"2017-A", "2021-A"}
    assert sorted(versions["2021-A"].indicators) == list(range(1, 17))
    assert sorted(versions["2017-A"].indicators) == list(range(1, 16))
    assert "J1" not in versions["2017-A"].questions


def test_questionnaire_of_deltagare_avslut_has_eleven_questions_in_order():
    instrument = get_instrument("2021-A")
    ids = [q.id for q in instrument.questionnaire("deltagare_avslut")]
    assert ids == ["D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8", "kon", "alder", "utfall"]
    with_optional = instrument.questionnaire("deltagare_avslut", optional={"omsorg", "kommentar"})
    assert [q.id for q in with_optional][-2:] == ["omsorg", "kommentar"]


def test_pooled_indicators_per_group():
    instrument = get_instrument("2021-A")
    assert instrument.indicator_questions("remittenter") == {15: ["R1", "R2"]}
    assert instrument.indicator_questions("insatspersonal")[16] == ["J1", "J2"]
    assert instrument.indicator_questions("chefer")[11] == ["C1"]


def test_scales_and_positive_steps():
    scales = get_instrument("2021-A").scales
    assert scales["janej"].positive == {1}
    assert scales["del"].positive == {1, 2}
    assert scales["betyg"].steps[0]["sv"] == "Mycket bra"


def test_participant_texts_exist_in_every_participant_language():
    instrument = get_instrument("2021-A")
    for question in instrument.questionnaire("deltagare_pagaende", optional={"omsorg", "kommentar"}):
        for lang in instrument.participant_languages:
            assert question.text[lang].strip(), (question.id, lang)


def _broken(tmp_path, old: str, new: str) -> Path:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "broken.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_unknown_scale_is_a_clear_error(tmp_path):
    path = _broken(tmp_path, 'id = "D1"\nscale = "betyg"', 'id = "D1"\nscale = "stars"')
    with pytest.raises(InstrumentError, match="question D1: unknown scale 'stars'"):
        load_instrument(path)


def test_duplicate_question_id_is_a_clear_error(tmp_path):
    path = _broken(tmp_path, 'id = "D2"', 'id = "D1"')
    with pytest.raises(InstrumentError, match="duplicate question id D1"):
        load_instrument(path)


def test_missing_translation_is_a_clear_error(tmp_path):
    path = _broken(tmp_path, 'text.so = "Sidee laguula dhaqmay?"\n', "")
    with pytest.raises(InstrumentError, match="question D1: missing translation for so"):
        load_instrument(path)


def test_every_problem_is_reported_at_once(tmp_path):
    path = _broken(tmp_path, 'id = "D1"\nscale = "betyg"', 'id = "D1"\nscale = "stars"')
    text = path.read_text(encoding="utf-8").replace('id = "D2"', 'id = "D3"', 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InstrumentError) as excinfo:
        load_instrument(path)
    assert "unknown scale" in str(excinfo.value) and "duplicate question id D3" in str(excinfo.value)


def test_unreadable_file_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("version = \n", encoding="utf-8")
    with pytest.raises(InstrumentError, match="cannot be read"):
        load_instrument(path)


def test_every_participant_indicator_and_group_has_a_sentence_phrase():
    for version in ("2017-A", "2021-A"):
        instrument = get_instrument(version)
        for group in PARTICIPANT_GROUPS:
            assert all(instrument.group_phrase(group)), (version, group)
            for number in instrument.indicator_questions(group):
                sv, en = instrument.indicator_phrase(number)
                assert "|" in sv and sv.strip() and en.strip(), (version, number)
        assert instrument.question_phrase("omsorg")


def test_a_phrase_without_english_is_a_clear_error(tmp_path):
    path = _broken(tmp_path, 'phrase.en = "are satisfied with how they were treated"\n', "")
    with pytest.raises(InstrumentError, match="indicator 1 phrase: missing translation for en"):
        load_instrument(path)
