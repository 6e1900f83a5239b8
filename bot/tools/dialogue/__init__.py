"""Scripted dialogues for testers: YAML scripts replayed through the real bot stack."""

from __future__ import annotations
