"""Replay dialogue scripts through one BotStack and collect a result per step."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.tools.dialogue.expect import Failure, Reply, check
from bot.tools.dialogue.format import Dialogue, DialogueError, Step
from bot.tools.dialogue.stack import BotStack, StepError
from config.settings import Settings
from embeddings import Encoder


@dataclass(frozen=True)
class StepResult:
    """A step, the bot's reply and the unmet expectations (``error``: the step could not run)."""

    step: Step
    reply: Reply
    failures: tuple[Failure, ...] = ()
    error: str = ""

    @property
    def passed(self) -> bool:
        """No failure and no error."""
        return not self.failures and not self.error


@dataclass(frozen=True)
class DialogueResult:
    """All step results of one script."""

    dialogue: Dialogue
    steps: tuple[StepResult, ...]
    seconds: float

    @property
    def failed(self) -> int:
        """How many steps failed."""
        return sum(not s.passed for s in self.steps)

    @property
    def passed(self) -> bool:
        """Every step passed."""
        return self.failed == 0


StepHook = Callable[[Dialogue, StepResult], None]


def admin_ids(dialogues: Sequence[Dialogue]) -> frozenset[int]:
    """Ids of users marked ``admin: true``; DialogueError when an id is also used as a non-admin.

    The bot's admin list is fixed for a whole run, so an id cannot be both.
    """
    admins: dict[int, tuple[Dialogue, Step]] = {}
    for dialogue in dialogues:
        for step in dialogue.steps:
            if step.user.admin:
                admins.setdefault(step.user.id, (dialogue, step))
    for dialogue in dialogues:
        for step in dialogue.steps:
            if not step.user.admin and step.user.id in admins:
                other, where = admins[step.user.id]
                raise DialogueError(
                    dialogue.path, step.line,
                    f"user {step.user.id} acts as a non-admin here but is an admin at "
                    f"{other.path}:{where.line}; use another id (admin ids are fixed for the whole run)",
                )
    return frozenset(admins)


async def run_step(stack: BotStack, step: Step) -> StepResult:
    """Perform ``step`` and check its reply."""
    try:
        reply = await stack.act(
            step.action, step.text, step.user, upload=step.upload, wait=step.timeout,
            quiet=step.expect.no_reply,
        )
    except StepError as exc:
        return StepResult(step, Reply(), error=str(exc))
    return StepResult(step, reply, check(step.expect, reply))


async def run_dialogue(
    stack: BotStack, dialogue: Dialogue, on_step: StepHook | None = None
) -> DialogueResult:
    """Run every step of one script on a reset stack."""
    start = time.perf_counter()
    await stack.reset()
    results = []
    for step in dialogue.steps:
        result = await run_step(stack, step)
        results.append(result)
        if on_step is not None:
            on_step(dialogue, result)
    return DialogueResult(dialogue, tuple(results), time.perf_counter() - start)


async def run_dialogues(
    settings: Settings, dialogues: Sequence[Dialogue], on_step: StepHook | None = None,
    encoder: Encoder | None = None,
) -> list[DialogueResult]:
    """Start the stack once and run each script in order."""
    async with BotStack(settings, admin_ids(dialogues), encoder) as stack:
        return [await run_dialogue(stack, d, on_step) for d in dialogues]
