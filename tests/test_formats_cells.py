"""Ruled cells (cells.py): text grouped by the rules drawn round it, on hand-placed spans."""

from __future__ import annotations

from bot.engine.documents.formats.cells import cell_rows
from bot.engine.documents.formats.columns import Span
from bot.engine.documents.formats.layout import lines_of


def chars(text: str, x: float, y: float, size: float = 10.0) -> list[Span]:
    return [Span(char, x + size * i, y, x + size * (i + 1), y + size) for i, char in enumerate(text)]


def grid(xs: list[float], ys: list[float], thick: float = 0.5) -> list[Span]:
    """The rules of a grid: a horizontal rule at each y across xs, a vertical one at each x."""
    across = [Span("", xs[0], y, xs[-1], y + thick) for y in ys]
    down = [Span("", x, ys[0], x + thick, ys[-1]) for x in xs]
    return across + down


def test_a_value_wrapped_inside_its_cell_stays_with_its_label() -> None:
    # a 公文处理单: label | value (over two lines) | label | value, then a second row
    rules = grid([0, 60, 160, 220, 330], [0, 40, 70])
    spans = (chars("来文文号", 2, 5) + chars("府办专督〔2020〕", 62, 3) + chars("24号", 62, 15)
             + chars("来文单位", 162, 5) + chars("市人民政府办公室", 222, 12)
             + chars("公文标题", 2, 50) + chars("关于某事的通知", 62, 50))
    assert [line.cells for line in lines_of(spans, rules)] == [
        ("来文文号", "府办专督〔2020〕24号", "来文单位", "市人民政府办公室"),
        ("公文标题", "关于某事的通知"),
    ]


def test_a_value_running_over_its_cells_right_rule_stays_in_its_cell() -> None:
    rules = grid([0, 60, 130], [0, 20])
    spans = chars("收文机关", 2, 5) + chars("秘书股办公室", 62, 5)  # ends at 122
    spans += chars("志", 127, 5)  # drawn over the rule at 130, starting inside the cell
    rows, outside = cell_rows(spans, rules)
    assert ["".join(s.text for s in cell) for cell in rows[0]] == ["收文机关", "秘书股办公室志"]
    assert not outside


def test_underlines_are_no_cells() -> None:
    # a permit whose values are underlined: a rule below each, none above or beside
    rules = [Span("", 60, 18, 200, 18.5), Span("", 60, 38, 200, 38.5), Span("", 59, 0, 59.5, 40),
             Span("", 201, 30, 201.5, 60)]
    spans = chars("建设单位", 0, 5) + chars("中华安保有限公司", 62, 5) + chars("工程名称", 0, 25)
    rows, outside = cell_rows(spans, rules)
    assert rows == [] and len(outside) == len(spans)


def test_a_frame_round_the_text_is_no_cell() -> None:
    rules = grid([0, 400], [0, 200])
    spans = [s for i in range(10) for s in chars(f"第{i}行正文内容", 10, 10 + 15 * i)]
    assert cell_rows(spans, rules) == ([], spans)


def test_text_printed_over_a_grid_without_regard_to_its_cells_is_read_as_lines() -> None:
    # a permit's labels in closed boxes, its values printed past the grid's last rule on their rows
    rules = grid([0, 60, 160], [0, 20])
    spans = chars("名称", 2, 5) + chars("面积", 62, 5) + chars("中华观测中心1#楼", 170, 5)
    assert cell_rows(spans, rules) == ([], spans)
