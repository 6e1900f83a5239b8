"""YAML read into plain values that remember their line numbers, for file:line errors."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml


class DialogueError(ValueError):
    """A dialogue file is malformed; str() is "file:line: what is wrong"."""

    def __init__(self, path: Path | str, line: int, message: str) -> None:
        """Remember where and what."""
        super().__init__(f"{path}:{line}: {message}")
        self.path = str(path)
        self.line = line
        self.message = message


@dataclass(frozen=True)
class YMap:
    """A YAML mapping: key → (value, line of the key); ``line`` is where the mapping starts."""

    line: int
    entries: dict[str, tuple[object, int]]

    def __contains__(self, key: str) -> bool:
        """Whether ``key`` is present."""
        return key in self.entries

    def keys(self) -> Iterator[str]:
        """Keys in file order."""
        return iter(self.entries)


@dataclass(frozen=True)
class YList:
    """A YAML sequence: items as (value, line of the item)."""

    line: int
    items: tuple[tuple[object, int], ...]


def load_located(text: str, path: Path | str) -> object:
    """Parse one YAML document into YMap / YList / scalars; DialogueError on bad YAML."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise DialogueError(path, line, f"not valid YAML: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise DialogueError(path, 1, f"not valid YAML: {exc}") from exc
    if node is None:
        raise DialogueError(path, 1, "the file is empty (expected a mapping with name and steps)")
    return _convert(node, yaml.SafeLoader(""), path)


def _convert(node: yaml.Node, loader: yaml.SafeLoader, path: Path | str) -> object:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        entries: dict[str, tuple[object, int]] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            key = _convert(key_node, loader, path)
            if not isinstance(key, str):
                raise DialogueError(path, key_line, f"keys must be text, got {kind(key)} {key!r}")
            if key in entries:
                first = entries[key][1]
                raise DialogueError(path, key_line, f"duplicate key {key!r} (first at line {first})")
            entries[key] = (_convert(value_node, loader, path), key_line)
        return YMap(line, entries)
    if isinstance(node, yaml.SequenceNode):
        items = tuple((_convert(item, loader, path), item.start_mark.line + 1) for item in node.value)
        return YList(line, items)
    try:
        value: object = loader.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        raise DialogueError(path, line, f"cannot read this value: {exc}") from exc
    return value


def kind(value: object) -> str:
    """A reader's name for the type of a parsed value."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, YMap):
        return "a mapping"
    if isinstance(value, YList):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "text"
    return type(value).__name__


def check_keys(
    path: Path | str, mapping: YMap, where: str, allowed: tuple[str, ...]
) -> None:
    """DialogueError for the first key of ``mapping`` not in ``allowed``, with a suggestion."""
    for key, (_, line) in mapping.entries.items():
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise DialogueError(
                path, line, f"unknown key {key!r} in {where} (expected one of: {', '.join(allowed)}){hint}"
            )
