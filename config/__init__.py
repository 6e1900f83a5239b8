"""Configuration at the edge: TOML defaults in this folder, QABOT_* environment overrides."""

from __future__ import annotations

from config.settings import (
    EmbeddingSettings,
    IngestSettings,
    RetrievalSettings,
    Settings,
    SettingsError,
    TelegramSettings,
    load_settings,
)

__all__ = [
    "EmbeddingSettings",
    "IngestSettings",
    "RetrievalSettings",
    "Settings",
    "SettingsError",
    "TelegramSettings",
    "load_settings",
]
