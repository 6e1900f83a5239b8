"""The import graph by stage (bot/tools/imports.py): the layering the README draws holds."""

from __future__ import annotations

from pathlib import Path

from bot.tools.imports import LAYERS, mermaid, module_graph, stage_graph, stage_of, upward


def test_no_stage_imports_a_later_one() -> None:
    assert upward(stage_graph()) == []


def test_the_engine_never_imports_serving_state_transports_or_tools() -> None:
    outside = ("bot.serving", "bot.state", "bot.telegram", "bot.cli", "bot.tools")
    for module, imported in module_graph().items():
        if module.startswith("bot.engine"):
            assert not [i for i in imported if i.startswith(outside)], module


TRANSPORTS = ("bot.telegram", "bot.console")
DOOR = ("bot.serving", "bot.engine.types")  # of the engine and the layer before it, only these


def test_transports_reach_the_engine_only_through_the_serving_layer() -> None:
    for module, imported in module_graph().items():
        if module.startswith(TRANSPORTS):
            past = [i for i in imported if i.startswith("bot.engine") and not i.startswith(DOOR)]
            assert past == [], module


def test_the_door_check_can_fail() -> None:
    """A transport importing an engine stage directly is what the rule above reports."""
    assert "bot.engine.lifecycle".startswith("bot.engine") and not "bot.engine.lifecycle".startswith(DOOR)
    assert not any(m.startswith(TRANSPORTS) for m in ("bot.serving.engine", "bot.tools.console"))


def test_no_module_imports_itself_round_about() -> None:
    graph = module_graph()
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in graph.get(module, ()):
            if target.startswith(module + "."):
                continue  # a package importing its own submodule is not a loop
            assert state.get(target) != 1, " → ".join([*path, module, target])
            if target not in state:
                visit(target, [*path, module])
        state[module] = 2

    for module in graph:
        if module not in state:
            visit(module, [])


def test_every_module_belongs_to_a_stage() -> None:
    assert [m for m in module_graph() if not stage_of(m)] == []


def test_an_upward_arrow_is_found() -> None:
    """The check itself can fail: a stage importing a later one is reported."""
    graph = {"bot.engine.rank": {"bot.telegram"}, "bot.telegram": {"bot.engine.rank"}}
    assert upward(graph) == [("bot.engine.rank", "bot.telegram")]
    assert LAYERS.index("bot.engine.rank") < LAYERS.index("bot.telegram")


def test_the_drawing_in_docs_is_current() -> None:
    drawing = (Path(__file__).resolve().parents[1] / "docs" / "imports.md").read_text(encoding="utf-8")
    assert mermaid(stage_graph()) in drawing, "run: python -m bot.tools.imports, paste into docs/imports.md"
