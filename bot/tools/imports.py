"""The import graph of the package by stage: checked by tests, drawn for the README.

    python -m bot.tools.imports            # Mermaid flowchart of stage → stage imports

Stages are folders (bot/engine/rank, bot/serving, …) and the engine's own top modules; an
arrow means some module of one imports some module of the other. ``LAYERS`` orders them:
a stage may import only stages listed before it (tests/test_imports.py keeps it so).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "config", "embeddings")

# Bottom first: a stage may import only the stages before it.
LAYERS = (
    "config",
    "embeddings",
    "bot.threads",
    "bot.engine.types",
    "bot.engine.text",
    "bot.engine.documents",
    "bot.engine.index",
    "bot.engine.question",
    "bot.engine.rank",
    "bot.engine.answer",
    "bot.engine.judge",
    "bot.engine",  # service.py, cache.py, lifecycle.py: the stages tied together
    "bot.serving",
    "bot.state",
    "bot.telegram",  # the transports: Telegram and the console, through serving's door only
    "bot.console",
    "bot.tools",
    "bot.cli",  # the command line: every command, the tools' included
    "bot",  # the package itself: applies the thread policy
)


def stage_of(module: str) -> str:
    """The most specific entry of LAYERS that ``module`` belongs to ("" for none)."""
    best = ""
    for stage in LAYERS:
        if (module == stage or module.startswith(stage + ".")) and len(stage) > len(best):
            best = stage
    return best


def modules(root: Path = ROOT) -> Iterator[tuple[str, Path]]:
    """Every module of the project's packages with its file."""
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def imports_of(path: Path) -> set[str]:
    """The project modules ``path`` imports (at any depth in the file, lazily or not)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return {m for m in found if m.split(".")[0] in PACKAGES}


def module_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """module → the project modules it imports (only ones that exist)."""
    known = dict(modules(root))
    return {m: {i for i in imports_of(p) if i in known and i != m} for m, p in known.items()}


def stage_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """stage → the other stages its modules import."""
    graph: dict[str, set[str]] = {}
    for module, imported in module_graph(root).items():
        source = stage_of(module)
        targets = {stage_of(i) for i in imported} - {source, ""}
        graph.setdefault(source, set()).update(targets)
    return graph


def upward(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Arrows that point to a stage listed after their source in LAYERS."""
    rank = {stage: i for i, stage in enumerate(LAYERS)}
    return sorted((a, b) for a, targets in graph.items() for b in targets if rank[b] > rank[a])


def mermaid(graph: dict[str, set[str]]) -> str:
    """The stage graph as a Mermaid flowchart (bottom stages at the bottom)."""
    lines = ["flowchart BT"]
    name = {stage: stage.replace("bot.", "").replace(".", "/") for stage in LAYERS}
    for source in LAYERS:
        for target in sorted(graph.get(source, ()), key=LAYERS.index):
            lines.append(f"    {name[source].replace('/', '_')}[{name[source]}] --> "
                         f"{name[target].replace('/', '_')}[{name[target]}]")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Print the stage graph; exit 1 when an arrow points upward."""
    graph = stage_graph()
    sys.stdout.write(mermaid(graph))
    wrong = upward(graph)
    for a, b in wrong:
        sys.stderr.write(f"upward import: {a} → {b}\n")
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
