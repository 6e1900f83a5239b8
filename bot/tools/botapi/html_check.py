"""Telegram-style HTML parse_mode checking, modelled on tdlib's parser and its error texts."""

from __future__ import annotations

SUPPORTED_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
        "blockquote", "tg-spoiler", "span", "tg-emoji",
    }
)
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; str() is tdlib's message."""


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    """Decode ``&...;`` at ``i`` like tdlib: named lt/gt/amp/quot or numeric; else None."""
    j = i + 1
    n = len(text)
    if j < n and text[j] == "#":
        j += 1
        base, digits = 10, "0123456789"
        if j < n and text[j] in "xX":
            j += 1
            base, digits = 16, "0123456789abcdefABCDEF"
        start = j
        while j < n and text[j] in digits:
            j += 1
        if j == start or j - i >= 10:
            return None
        code = int(text[start:j], base)
        if code == 0 or code >= 0x10FFFF:
            return None
        char = chr(code)
    else:
        start = j
        while j < n and text[j].isascii() and text[j].isalpha():
            j += 1
        named = _NAMED.get(text[start:j])
        if named is None:
            return None
        char = named
    if j < n and text[j] == ";":
        j += 1
    return char, j


def _byte_offset(text: str, i: int) -> int:
    return len(text[:i].encode("utf-8"))


def _read_attributes(text: str, i: int, tag: str, off: int) -> tuple[dict[str, str], int]:
    """Parse attributes from ``i`` up to the closing '>'; return them and the index after it."""
    attrs: dict[str, str] = {}
    n = len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {off}")
        if text[i] == ">":
            return attrs, i + 1
        start = i
        while i < n and not text[i].isspace() and text[i] not in "=>":
            i += 1
        name = text[start:i].lower()
        while i < n and text[i].isspace():
            i += 1
        if not name or i >= n or text[i] != "=":
            raise EntityParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {off}"
            )
        i += 1
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {off}")
        if text[i] in "'\"":
            quote, i = text[i], i + 1
            value: list[str] = []
            while i < n and text[i] != quote:
                decoded = _decode_entity(text, i) if text[i] == "&" else None
                if decoded is not None:
                    value.append(decoded[0])
                    i = decoded[1]
                else:
                    value.append(text[i])
                    i += 1
            i += 1
            attrs[name] = "".join(value)
        else:
            start = i
            while i < n and (text[i].isalnum() or text[i] in ".-"):
                i += 1
            if i < n and not text[i].isspace() and text[i] != ">":
                raise EntityParseError(
                    f"Unexpected end of name token at byte offset {_byte_offset(text, start)}"
                )
            attrs[name] = text[start:i].lower()


def parse_html(text: str) -> str:
    """Return the visible text of Telegram HTML ``text``; raise EntityParseError if invalid."""
    out: list[str] = []
    stack: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "&":
            decoded = _decode_entity(text, i)
            if decoded is not None:
                out.append(decoded[0])
                i = decoded[1]
                continue
        if c != "<":
            out.append(c)
            i += 1
            continue
        off = _byte_offset(text, i)
        i += 1
        if i < n and text[i] == "/":
            i += 1
            start = i
            while i < n and not text[i].isspace() and text[i] != ">":
                i += 1
            end_name = text[start:i].lower()
            while i < n and text[i].isspace():
                i += 1
            if i >= n or text[i] != ">":
                raise EntityParseError(f"Unclosed end tag at byte offset {off}")
            i += 1
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {off}")
            open_name = stack.pop()
            if end_name and end_name != open_name:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {off}, expected "</{open_name}>", '
                    f'found "</{end_name}>"'
                )
            continue
        start = i
        while i < n and not text[i].isspace() and text[i] != ">":
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {off}")
        name = text[start:i].lower()
        if name not in SUPPORTED_TAGS:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {off}')
        attrs, i = _read_attributes(text, i, name, off)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {off}')
        stack.append(name)
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)
