"""The background of everyday questions the null model compares against (built with the index).

Refusal (bot/engine/judge/nullmodel.py) compares a question's best match in the documents with
its best match in this background; the background is embedded when the index is built, in the
documents' script.
"""

from __future__ import annotations

from pathlib import Path

from bot.engine.text.script import is_cjk_text

BACKGROUND_FILE = Path(__file__).resolve().parent / "background.txt"


def load_background(cjk: bool, path: Path = BACKGROUND_FILE) -> list[str]:
    """Background sentences in the documents' script (CJK or not); '#' starts a comment.

    The null model must be in the documents' language: an English question matches
    English background text better than Chinese documents whatever it asks, so a mixed
    background would refuse every English question about a Chinese text.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    found = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return [line for line in found if is_cjk_text(line) == cjk]
