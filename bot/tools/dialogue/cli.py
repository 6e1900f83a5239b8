"""`qabot dialogue run FILES... [--junit X] [--html Y]` and `qabot dialogue record FILE`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bot.tools.dialogue.format import Dialogue, DialogueError, load
from bot.tools.dialogue.html_report import write_html
from bot.tools.dialogue.report import header, step_lines, totals, write_junit
from bot.tools.dialogue.runner import DialogueResult, StepResult, admin_ids, run_dialogues
from config.settings import Settings

EXIT_FAILED = 1  # some step failed
EXIT_USAGE = 2  # a script is malformed or missing


def main(settings: Settings, args: argparse.Namespace) -> int:
    """Dispatch ``args.dialogue_command``; 0 only when everything passed (or was saved)."""
    if args.dialogue_command == "record":
        return record_command(settings, Path(args.file))
    junit = Path(args.junit) if args.junit else None
    html = Path(args.html) if args.html else None
    return run_command(settings, [Path(f) for f in args.files], junit, html)


@contextmanager
def quiet_bot_logs() -> Iterator[None]:
    """Hide the bot's warnings about expected events (a refused non-admin, …) for a while."""
    logger = logging.getLogger("bot.telegram")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def expand(paths: Sequence[Path]) -> list[Path]:
    """Files as given; a folder stands for the *.yaml and *.yml files in it, sorted."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]))
        else:
            out.append(path)
    return out


def load_all(paths: Sequence[Path]) -> tuple[list[Dialogue], list[str]]:
    """Every dialogue that loads, and an error line for each that does not."""
    dialogues, errors = [], []
    for path in expand(paths):
        try:
            dialogues.append(load(path))
        except DialogueError as exc:
            errors.append(str(exc))
    if not dialogues and not errors:
        errors.append("no dialogue files given (a folder holds none?)")
    if not errors:
        try:
            admin_ids(dialogues)
        except DialogueError as exc:
            errors.append(str(exc))
    return dialogues, errors


def run_command(
    settings: Settings, paths: Sequence[Path], junit: Path | None = None, html: Path | None = None
) -> int:
    """Load, run and report; exit status 0 (all passed), 1 (a step failed), 2 (bad script)."""
    dialogues, errors = load_all(paths)
    if errors:
        for error in errors:
            print(error, file=sys.stderr)
        return EXIT_USAGE
    steps = sum(len(d.steps) for d in dialogues)
    print(f"{len(dialogues)} dialogue(s), {steps} steps; starting the bot (model and index)…", flush=True)
    current: list[Dialogue] = []

    def on_step(dialogue: Dialogue, result: StepResult) -> None:
        if not current or current[-1] is not dialogue:
            current.append(dialogue)
            print(header(dialogue), flush=True)
        print("\n".join(step_lines(dialogue, result)), flush=True)

    with quiet_bot_logs():
        results = asyncio.run(run_dialogues(settings, dialogues, on_step))
    return finish(results, junit, html)


def finish(results: Sequence[DialogueResult], junit: Path | None, html: Path | None) -> int:
    """Print the failed steps and the totals, write the reports; the exit status."""
    total = totals(results)
    failed = [(r.dialogue, s) for r in results for s in r.steps if not s.passed]
    if failed:
        print("\nFailed steps:")
        for dialogue, step in failed:
            print(f"  {dialogue.path}:{step.step.line}  {step.step.describe()}")
    print(f"\n{'PASSED' if total.passed else 'FAILED'}: {total.line()}")
    if junit is not None:
        write_junit(results, junit)
        print(f"JUnit XML: {junit}")
    if html is not None:
        write_html(results, html)
        print(f"HTML report: {html}")
    return 0 if total.passed else EXIT_FAILED


def record_command(settings: Settings, path: Path) -> int:
    """Record a console chat into ``path`` (which must not exist yet)."""
    from bot.tools.dialogue.record import record

    if path.exists():
        print(f"{path} already exists; choose a new file name (or delete it first)", file=sys.stderr)
        return EXIT_USAGE
    if path.suffix not in (".yaml", ".yml"):
        print(f"{path}: a dialogue file name ends in .yaml", file=sys.stderr)
        return EXIT_USAGE
    try:
        with quiet_bot_logs():
            return asyncio.run(record(settings, path))
    except KeyboardInterrupt:
        # The session is saved already; a console read may still block in its daemon thread,
        # and a normal interpreter exit would abort on the locked stdin: leave right away.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
