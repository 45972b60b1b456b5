"""storage.url: one database, no password in the config file, and the URL shown masked."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.base.config import as_dict, load_settings
from bot.base.dburl import mask_url, scrub, url_has_password
from bot.base.errors import ConfigError

PASSWORD = "Tr0ub4dor-and-3"
URL = "postgresql://faqbot@db.example:5432/faqbot"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "bot.yaml"
    path.write_text("", encoding="utf-8")
    return path


def error(config: Path, environ: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(config, environ)
    return str(caught.value)


def test_a_url_in_the_file_chooses_postgresql(config: Path) -> None:
    config.write_text(f"storage:\n  url: {URL}\n", encoding="utf-8")
    assert load_settings(config, {}).storage.url == URL


def test_setting_both_the_file_and_the_url_names_both_keys(config: Path) -> None:
    config.write_text(f"storage:\n  database: faq.sqlite3\n  url: {URL}\n", encoding="utf-8")
    message = error(config, {})
    assert "storage.database" in message and "storage.url" in message
    config.write_text("storage:\n  database: faq.sqlite3\n", encoding="utf-8")
    message = error(config, {"FAQBOT_STORAGE__URL": URL})
    assert "storage.database" in message and "FAQBOT_STORAGE__URL" in message


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://faqbot:{PASSWORD}@db.example/faqbot",
        f"postgresql://faqbot@db.example/faqbot?sslmode=require&password={PASSWORD}",
    ],
    ids=["after the user", "query parameter"],
)
def test_a_password_in_a_url_in_the_file_is_refused_and_not_shown(config: Path, url: str) -> None:
    config.write_text(yaml.safe_dump({"storage": {"url": url}}), encoding="utf-8")
    message = error(config, {})
    assert "storage.url" in message and str(config) in message
    assert PASSWORD not in message


def test_a_password_set_in_the_file_is_refused_and_not_shown(config: Path) -> None:
    config.write_text(f"storage:\n  url: {URL}\n  password: {PASSWORD}\n", encoding="utf-8")
    message = error(config, {})
    assert "storage.password" in message and "FAQBOT_STORAGE__PASSWORD" in message
    assert PASSWORD not in message


def test_the_password_and_a_whole_url_may_come_from_the_environment(config: Path) -> None:
    with_password = f"postgresql://faqbot:{PASSWORD}@db.example/faqbot"
    settings = load_settings(config, {"FAQBOT_STORAGE__URL": with_password})
    assert settings.storage.url == with_password
    settings = load_settings(
        config, {"FAQBOT_STORAGE__URL": URL, "FAQBOT_STORAGE__PASSWORD": PASSWORD}
    )
    assert settings.storage.password is not None
    assert settings.storage.password.get_secret_value() == PASSWORD
    assert PASSWORD not in repr(settings) and PASSWORD not in str(as_dict(settings))


def test_a_password_file_is_resolved_beside_the_config(config: Path) -> None:
    config.write_text(f"storage:\n  url: {URL}\n  password_file: pg.pass\n", encoding="utf-8")
    assert load_settings(config, {}).storage.password_file == config.parent / "pg.pass"


def test_a_url_that_is_not_postgresql_is_refused(config: Path) -> None:
    config.write_text("storage:\n  url: mysql://db.example/faqbot\n", encoding="utf-8")
    assert "storage.url must be a postgresql:// URL" in error(config, {})


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (URL, URL),
        (
            f"postgresql://faqbot:{PASSWORD}@db.example/faqbot",
            "postgresql://faqbot:****@db.example/faqbot",
        ),
        (
            f"postgres://db.example/faqbot?password={PASSWORD}&sslmode=require",
            "postgres://db.example/faqbot?password=****&sslmode=require",
        ),
    ],
)
def test_a_url_is_shown_with_its_password_masked(url: str, shown: str) -> None:
    assert mask_url(url) == shown
    assert url_has_password(url) == (url != URL)


def test_scrub_removes_the_url_s_password_and_the_given_one_from_a_message() -> None:
    url = f"postgresql://faqbot:{PASSWORD}@db.example/faqbot"
    message = scrub(f"cannot reach {url} (tried {PASSWORD} and s3cond)", url, "s3cond")
    assert PASSWORD not in message and "s3cond" not in message
    assert "faqbot:****@db.example" in message
