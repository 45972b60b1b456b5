"""The matcher's bars per mode: null keys take the mode's default, set keys are used as given."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.base.config import MatcherSettings, SemanticSettings, load_settings
from bot.base.errors import ConfigError
from bot.base.thresholds import DEFAULTS, KEYS

HYBRID = SemanticSettings(model="some-model")


def test_null_keys_take_the_lexical_defaults_without_a_model() -> None:
    settings = MatcherSettings()
    assert settings.mode == "lexical"
    bars = settings.bars()
    assert (bars.answer, bars.passive_answer, bars.margin, bars.suggest) == (0.50, 0.60, 0.16, 0.30)


def test_null_keys_take_the_hybrid_defaults_with_a_model() -> None:
    settings = MatcherSettings(semantic=HYBRID)
    assert settings.mode == "hybrid"
    assert settings.bars() == DEFAULTS["hybrid"]
    assert (settings.bars().answer, settings.bars().passive_answer) == (0.76, 0.93)


def test_the_mode_can_be_asked_for_whatever_is_configured() -> None:
    # faqbot eval --mode hybrid --model M runs hybrid with no model in the configuration.
    assert MatcherSettings().bars("hybrid") == DEFAULTS["hybrid"]
    assert MatcherSettings(semantic=HYBRID).bars("lexical") == DEFAULTS["lexical"]


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("mode", ["lexical", "hybrid"])
def test_a_key_that_is_set_is_used_in_either_mode(key: str, mode: str) -> None:
    bars = MatcherSettings(**{key: 0.97}).bars(mode)  # type: ignore[arg-type]
    assert bars.value(key) == 0.97
    for other in KEYS:
        if other != key:
            assert bars.value(other) == DEFAULTS[mode].value(other)  # type: ignore[index]


def test_passive_answers_are_surer_in_both_modes() -> None:
    for bars in DEFAULTS.values():
        assert bars.passive_answer > bars.answer


def test_a_null_key_in_the_file_is_the_default(tmp_path: Path) -> None:
    config = tmp_path / "faqbot.yaml"
    config.write_text("matcher:\n  answer_threshold: null\n  margin: 0.2\n", encoding="utf-8")
    bars = load_settings(config, {}).matcher.bars()
    assert (bars.answer, bars.margin) == (0.50, 0.2)


def test_hybrid_suggest_bar_is_not_compared_with_the_probability_bar(tmp_path: Path) -> None:
    # 0.8 as a fused score to suggest and 0.76 as a probability to answer are not in conflict.
    config = tmp_path / "faqbot.yaml"
    config.write_text(
        "matcher:\n  suggest_threshold: 0.8\n  semantic:\n    model: m\n", encoding="utf-8"
    )
    assert load_settings(config, {}).matcher.bars().suggest == 0.8
    config.write_text("matcher:\n  suggest_threshold: 0.8\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="in lexical mode"):
        load_settings(config, {})


def test_an_answer_bar_above_the_hybrid_passive_default_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "faqbot.yaml"
    config.write_text(
        "matcher:\n  answer_threshold: 0.95\n  semantic:\n    model: m\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(config, {})
    message = str(caught.value)
    assert "matcher.answer_threshold (0.95) must not exceed" in message
    assert "matcher.passive_answer_threshold (0.93, the default) in hybrid mode" in message


def test_doctor_line_names_the_mode_and_the_scale() -> None:
    said = MatcherSettings(semantic=HYBRID).bars().describe()
    assert said == (
        "hybrid mode: answer P(right) >= 0.76 (passive 0.93), margin 0.00, "
        "suggest fused score >= 0.50"
    )
