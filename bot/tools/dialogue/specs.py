"""The user and expectation parts of a dialogue step, validated with file:line errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.telegram.texts import STRINGS
from bot.tools.dialogue.located import DialogueError, YList, YMap, check_keys, kind

USER_KEYS = ("id", "language", "first_name", "username", "admin")
EXPECT_KEYS = (
    "contains", "not_contains", "regex", "cites", "cites_any", "refused", "related", "answered",
    "buttons", "max_ms", "no_reply",
)
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
CITE = re.compile(r"^¶?\s*(\d+)$")


@dataclass(frozen=True)
class User:
    """A Telegram user a script acts as; ``language`` "zh", "en" or any language code."""

    id: int
    language: str = "zh"
    first_name: str = "测试"
    username: str | None = None
    admin: bool = False

    @property
    def language_code(self) -> str:
        """The Telegram language_code sent with this user's updates."""
        return "zh-hans" if self.language == "zh" else self.language


@dataclass(frozen=True)
class Expect:
    """What the bot's reply to a step must satisfy (unset fields are not checked)."""

    contains: tuple[str, ...] = ()
    not_contains: tuple[str, ...] = ()
    regex: tuple[str, ...] = ()
    cites: frozenset[int] | None = None
    cites_any: frozenset[int] | None = None
    refused: bool | None = None
    related: bool | None = None
    answered: bool | None = None
    buttons: tuple[str, ...] | None = None
    max_ms: float | None = None
    no_reply: bool = False


def read_user(path: Path, value: object, line: int, where: str, known: dict[int, User]) -> User:
    """A user mapping; fields left out are taken from an earlier user with the same id."""
    if not isinstance(value, YMap):
        raise DialogueError(path, line, f"{where}: expected a user such as {{id: 1001}}, got {kind(value)}")
    check_keys(path, value, where, USER_KEYS)
    if "id" not in value:
        raise DialogueError(path, value.line, f"{where}: missing key 'id' (a numeric Telegram user id)")
    raw_id, id_line = value.entries["id"]
    if not isinstance(raw_id, int) or isinstance(raw_id, bool) or not 0 < raw_id < 2**52:
        raise DialogueError(path, id_line, f"{where}.id: expected a positive number, got {raw_id!r}")
    fields: dict[str, Any] = {}
    for key, (field, at) in value.entries.items():
        if key == "admin":
            if not isinstance(field, bool):
                raise DialogueError(path, at, f"{where}.admin: expected true or false, got {kind(field)}")
            fields[key] = field
        elif key != "id":
            if not isinstance(field, str) or not field.strip():
                raise DialogueError(path, at, f"{where}.{key}: expected text, got {kind(field)}")
            if key == "language" and not LANGUAGE.match(field):
                problem = f"{field!r} is not a language code (expected zh, en, …)"
                raise DialogueError(path, at, f"{where}.language: {problem}")
            fields[key] = field
    user = replace(known.get(raw_id, User(raw_id)), **fields)
    if "first_name" not in value and user.language.startswith("en") and user.first_name == "测试":
        user = replace(user, first_name="Tester")
    return user


CANDIDATE = re.compile(r"^¶\d+$")  # a candidate paragraph's button: "¶8" stands for "¶8 惠州某街道…"
# A suggested taught question's button, "您是不是想问：<question>" ("Did you mean: …"): named by
# its start ("您是不是想问：" alone: the first suggestion).
SUGGESTION = tuple(STRINGS[lang]["btn_suggest"].partition("{question}")[0] for lang in ("zh", "en"))


def is_suggestion(label: str) -> bool:
    """Whether ``label`` names a suggestion's button (or the start of one)."""
    return label.startswith(SUGGESTION)


def same_button(wanted: str, label: str) -> bool:
    """Whether a script's ``wanted`` names the button ``label`` (a candidate by its ¶n, a
    suggestion by the start of its label)."""
    if is_suggestion(wanted):
        return label.startswith(wanted)
    return label == wanted or (CANDIDATE.match(wanted) is not None and label.startswith(wanted + " "))


def read_expect(path: Path, value: object, line: int, buttons: tuple[str, ...]) -> Expect:
    """An ``expect`` mapping; every key and value type is checked."""
    if not isinstance(value, YMap):
        got = kind(value)
        raise DialogueError(path, line, f"expect: expected a mapping such as {{contains: [...]}}, got {got}")
    check_keys(path, value, "expect", EXPECT_KEYS)
    fields: dict[str, Any] = {}
    for key, (field, at) in value.entries.items():
        where = f"expect.{key}"
        if key in ("contains", "not_contains", "regex"):
            fields[key] = _texts(path, field, at, where)
            if key == "regex":
                _compiles(path, at, where, fields[key])
        elif key in ("cites", "cites_any"):
            fields[key] = _cites(path, field, at, where)
            if key == "cites_any" and not fields[key]:
                raise DialogueError(path, at, f"{where}: expected at least one ¶ number")
        elif key in ("refused", "related", "answered", "no_reply"):
            if not isinstance(field, bool):
                raise DialogueError(path, at, f"{where}: expected true or false, got {kind(field)}")
            fields[key] = field
        elif key == "buttons":
            empty = isinstance(field, YList) and not field.items
            fields[key] = () if empty else _texts(path, field, at, where)
            for label in fields[key]:
                if label not in buttons and not CANDIDATE.match(label) and not is_suggestion(label):
                    problem = f"unknown button {label!r} (expected one of: {', '.join(buttons)})"
                    raise DialogueError(path, at, f"{where}: {problem}")
        elif key == "max_ms":
            if not isinstance(field, int | float) or isinstance(field, bool) or field <= 0:
                problem = f"expected a positive number of milliseconds, got {field!r}"
                raise DialogueError(path, at, f"{where}: {problem}")
            fields[key] = float(field)
    out = Expect(**fields)
    _consistent(path, value.line, out)
    return out


def _compiles(path: Path, line: int, where: str, patterns: tuple[str, ...]) -> None:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise DialogueError(path, line, f"{where}: bad regular expression {pattern!r}: {exc}") from exc


def _consistent(path: Path, line: int, expect: Expect) -> None:
    if expect.no_reply and expect != Expect(no_reply=True):
        raise DialogueError(path, line, "expect: no_reply: true cannot be combined with other expectations")
    if expect.refused and (expect.cites or expect.cites_any):
        problem = "refused: true contradicts cites/cites_any (a refusal cites nothing)"
        raise DialogueError(path, line, f"expect: {problem}")


def _texts(path: Path, value: object, line: int, where: str) -> tuple[str, ...]:
    items = value.items if isinstance(value, YList) else ((value, line),)
    if isinstance(value, YList) and not value.items:
        raise DialogueError(path, line, f"{where}: expected text or a non-empty list of texts")
    out = []
    for item, item_line in items:
        if isinstance(item, int | float) and not isinstance(item, bool):
            item = str(item)
        if not isinstance(item, str) or not item:
            raise DialogueError(path, item_line, f"{where}: expected text, got {kind(item)}")
        out.append(item)
    return tuple(out)


def _cites(path: Path, value: object, line: int, where: str) -> frozenset[int]:
    items = value.items if isinstance(value, YList) else ((value, line),)
    numbers = set()
    for item, item_line in items:
        match = CITE.match(item.strip()) if isinstance(item, str) else None
        if isinstance(item, int) and not isinstance(item, bool) and item > 0:
            numbers.add(item)
        elif match and int(match.group(1)) > 0:
            numbers.add(int(match.group(1)))
        else:
            raise DialogueError(path, item_line, f"{where}: expected ¶ numbers such as [8, 12], got {item!r}")
    return frozenset(numbers)
