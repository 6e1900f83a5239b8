"""Dialogue scripts (YAML): load and validate strictly, every error as "file:line: problem".

    name: 考核与问责                     # optional, defaults to the file name
    user: {id: 1001, language: zh}       # default user of every step
    users: {admin: {id: 9001, admin: true}}   # optional named users for `as: admin`
    steps:
      - send: 街道年终考核一共有多少项指标？
        expect: {contains: ["31"], cites_any: [8]}
      - press: 更多段落                    # a button under the last reply with buttons
      - upload: {filename: 新规定.txt, content: "……"}   # or {path: file.txt}
        as: admin
      - inline: 问责的目的是什么？          # "@bot 问题" in any chat ("" = empty query)
        expect: {cites_any: [30]}
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

from bot.state.records import REASONS
from bot.telegram.texts import STRINGS
from bot.tools.dialogue.located import DialogueError, YList, YMap, check_keys, kind, load_located
from bot.tools.dialogue.specs import CANDIDATE, Expect, User, is_suggestion, read_expect, read_user

TOP_KEYS = ("name", "description", "user", "users", "steps")
STEP_KEYS = ("send", "press", "upload", "inline", "as", "expect", "timeout", "note")
ACTIONS = ("send", "press", "upload", "inline")
UPLOAD_KEYS = ("filename", "content", "path", "mime_type")
BUTTONS = tuple(
    dict.fromkeys(
        [STRINGS[lang][key] for lang in ("zh", "en")
         for key in ("btn_more", "btn_context", "remove_yes", "remove_no")]
        + ["👍", "👎"]
        + [STRINGS[lang][f"reason_{code}"] for lang in ("zh", "en") for code in REASONS]
    )
)


def is_button(label: str) -> bool:
    """Whether a script may press or expect ``label``."""
    return label in BUTTONS or CANDIDATE.match(label) is not None or is_suggestion(label)
DEFAULT_USER = User(id=1001)
DEFAULT_TIMEOUT = 60.0

__all__ = ["BUTTONS", "Dialogue", "DialogueError", "Expect", "Step", "Upload", "User", "load"]


@dataclass(frozen=True)
class Upload:
    """A document a user sends: its name, bytes and MIME type."""

    filename: str
    content: bytes
    mime_type: str


@dataclass(frozen=True)
class Step:
    """One thing a user does (send text, press a button, upload) and what must follow."""

    action: str  # "send" | "press" | "upload" | "inline"
    text: str  # the message, the button label, the file name, or the inline query
    user: User
    expect: Expect
    line: int
    upload: Upload | None = None
    timeout: float = DEFAULT_TIMEOUT
    note: str = ""

    def describe(self, width: int = 60) -> str:
        """A one-line summary such as "send 街道年终考核…"."""
        text = " ".join(self.text.split()) or "(empty query)"
        text = text if len(text) <= width else text[: width - 1] + "…"
        return f"{self.action} {text}"


@dataclass(frozen=True)
class Dialogue:
    """A named script of steps from one file."""

    name: str
    path: Path
    steps: tuple[Step, ...]
    description: str = ""

    def users(self) -> tuple[User, ...]:
        """Every distinct user acting in the script, first appearance first."""
        return tuple(dict.fromkeys(step.user for step in self.steps))


def load(path: Path) -> Dialogue:
    """Read and validate one dialogue file."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DialogueError(path, 1, f"not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise DialogueError(path, 1, f"cannot read the file: {exc.strerror or exc}") from exc
    return parse(text, path)


def parse(text: str, path: Path) -> Dialogue:
    """Validate the YAML ``text`` of a dialogue file called ``path``."""
    root = load_located(text, path)
    if not isinstance(root, YMap):
        raise DialogueError(path, 1, f"expected a mapping with name, user and steps, got {kind(root)}")
    check_keys(path, root, "the dialogue", TOP_KEYS)
    name = _text(path, root, "name", path.stem)
    description = _text(path, root, "description", "")
    users: dict[str, User] = {}
    if "users" in root:
        value, line = root.entries["users"]
        if not isinstance(value, YMap) or not value.entries:
            raise DialogueError(path, line, f"users: expected a mapping of names to users, got {kind(value)}")
        for alias, (spec, spec_line) in value.entries.items():
            users[alias] = read_user(path, spec, spec_line, f"users.{alias}", {})
    default = DEFAULT_USER
    if "user" in root:
        value, line = root.entries["user"]
        default = _user_ref(path, value, line, "user", users, {})
    if "steps" not in root:
        raise DialogueError(path, root.line, "missing key 'steps' (a list of send/press/upload steps)")
    steps_value, steps_line = root.entries["steps"]
    if not isinstance(steps_value, YList) or not steps_value.items:
        raise DialogueError(path, steps_line, f"steps: expected a non-empty list, got {kind(steps_value)}")
    known = {default.id: default, **{u.id: u for u in users.values()}}
    steps = tuple(
        _step(path, item, line, default, users, known) for item, line in steps_value.items
    )
    return Dialogue(name, path, steps, description)


def _text(path: Path, mapping: YMap, key: str, default: str) -> str:
    if key not in mapping:
        return default
    value, line = mapping.entries[key]
    if not isinstance(value, str) or not value.strip():
        raise DialogueError(path, line, f"{key}: expected text, got {kind(value)}")
    return value


def _user_ref(
    path: Path, value: object, line: int, where: str, users: dict[str, User], known: dict[int, User]
) -> User:
    if isinstance(value, str):
        if value not in users:
            names = ", ".join(users) or "none defined under `users:`"
            raise DialogueError(path, line, f"{where}: unknown user {value!r} (expected one of: {names})")
        return users[value]
    return read_user(path, value, line, where, known)


def _step(
    path: Path, item: object, line: int, default: User, users: dict[str, User],
    known: dict[int, User],
) -> Step:
    if not isinstance(item, YMap):
        raise DialogueError(path, line, f"a step must be a mapping such as {{send: 你好}}, got {kind(item)}")
    check_keys(path, item, "a step", STEP_KEYS)
    actions = [key for key in ACTIONS if key in item]
    if len(actions) != 1:
        found = f"got {', '.join(actions)}" if actions else "got none"
        raise DialogueError(path, item.line, f"a step needs exactly one of {', '.join(ACTIONS)} ({found})")
    action = actions[0]
    value, value_line = item.entries[action]
    user = default
    if "as" in item:
        as_value, as_line = item.entries["as"]
        user = _user_ref(path, as_value, as_line, "as", users, known)
        known.setdefault(user.id, user)
    upload = None
    if action == "upload":
        upload = _upload(path, value, value_line)
        text = upload.filename
    elif action == "inline" and value in ("", None):
        text = ""  # the empty inline query: the bot offers its example questions
    elif not isinstance(value, str) or not value:
        hint = f' (quote it: "{value}")' if isinstance(value, int | float | bool) else ""
        raise DialogueError(path, value_line, f"{action}: expected text, got {kind(value)}{hint}")
    else:
        text = value
    if action == "press" and not is_button(text):
        raise DialogueError(
            path, value_line, f"press: unknown button {text!r} (expected one of: {', '.join(BUTTONS)})"
        )
    expect = Expect()
    if "expect" in item:
        expect_value, expect_line = item.entries["expect"]
        expect = read_expect(path, expect_value, expect_line, BUTTONS)
    timeout = DEFAULT_TIMEOUT
    if "timeout" in item:
        timeout_value, timeout_line = item.entries["timeout"]
        if not isinstance(timeout_value, int | float) or isinstance(timeout_value, bool):
            timeout_value = 0
        if not 0 < timeout_value <= 3600:
            got = item.entries["timeout"][0]
            raise DialogueError(path, timeout_line, f"timeout: expected seconds (up to 3600), got {got!r}")
        timeout = float(timeout_value)
    note = _text(path, item, "note", "")
    return Step(action, text, user, expect, item.line, upload, timeout, note)


def _upload(path: Path, value: object, line: int) -> Upload:
    if not isinstance(value, YMap):
        got = kind(value)
        raise DialogueError(path, line, f"upload: expected {{filename, content}} or {{path}}, got {got}")
    check_keys(path, value, "upload", UPLOAD_KEYS)
    fields: dict[str, str] = {}
    for key, (field_value, field_line) in value.entries.items():
        if not isinstance(field_value, str):
            raise DialogueError(path, field_line, f"upload.{key}: expected text, got {kind(field_value)}")
        fields[key] = field_value
    if ("content" in fields) == ("path" in fields):
        raise DialogueError(path, value.line, "upload: give exactly one of content or path")
    if "path" in fields:
        source = (path.parent / fields["path"]).resolve()
        try:
            content = source.read_bytes()
        except OSError as exc:
            where = value.entries["path"][1]
            raise DialogueError(path, where, f"upload.path: cannot read {source}: {exc.strerror}") from exc
        filename = fields.get("filename", source.name)
    else:
        if "filename" not in fields:
            raise DialogueError(path, value.line, "upload: content needs a filename")
        content, filename = fields["content"].encode("utf-8"), fields["filename"]
    if not filename.strip() or re.search(r"[\x00-\x1f]", filename):
        raise DialogueError(path, value.line, f"upload: bad filename {filename!r}")
    mime = fields.get("mime_type") or mime_type_of(filename)
    return Upload(filename, content, mime)


def mime_type_of(filename: str) -> str:
    """The MIME type an upload of ``filename`` is sent with."""
    suffix = Path(filename).suffix.lower()
    known = {".txt": "text/plain", ".md": "text/markdown"}
    return known.get(suffix) or mimetypes.guess_type(filename)[0] or "application/octet-stream"
