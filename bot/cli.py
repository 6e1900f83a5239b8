"""`qabot`: index, ask, chat, eval, serve, report, teach, dialogue. Config at the edge: load_settings()."""


from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.engine.types import Skipped, Teaching
from config.settings import Settings, SettingsError, load_settings

log = logging.getLogger("qabot")
DESCRIPTION = (
    "Answer questions from a folder of documents, quoting the paragraphs (¶n) that answer. "
    "Build the index with `qabot index`, ask with `qabot ask`, chat on the console with "
    "`qabot chat`, run the Telegram bot with `qabot serve` (TELEGRAM_BOT_TOKEN)."
)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `qabot` command."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.command == "serve" else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = load_settings(Path(args.config) if args.config else None)
        if getattr(args, "docs", None):
            settings = replace(settings, docs_dir=Path(args.docs).resolve())
        result: int = args.handler(settings, args)
        return result
    except (SettingsError, RuntimeError, ValueError, OSError) as exc:
        print(f"qabot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qabot", description=DESCRIPTION)
    parser.add_argument("--config", help="a TOML file merged over config/default.toml")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("index", help="build or refresh the index")
    p.add_argument("--docs", help="documents folder (default: [paths] docs_dir)")
    p.add_argument("--if-stale", action="store_true", help="quietly do nothing when fresh")
    p.set_defaults(handler=cmd_index)
    p = sub.add_parser("docs", help="list the documents (paragraphs, pages, who added them, unreadable ones)")
    p.add_argument("--docs")
    p.set_defaults(handler=cmd_docs)
    p = sub.add_parser("remove", help="delete a document from the folder and refresh the index")
    p.add_argument("name")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--docs")
    p.set_defaults(handler=cmd_remove)
    p = sub.add_parser("ask", help="answer one question")
    p.add_argument("question")
    p.add_argument("--json", action="store_true")
    p.add_argument("--docs")
    p.set_defaults(handler=cmd_ask)
    p = sub.add_parser("chat", help="console chat: one question per line on stdin")
    p.add_argument("--json", action="store_true", help="one JSON object per input line (as ask --json)")
    p.add_argument("--docs")
    p.set_defaults(handler=cmd_chat)
    p = sub.add_parser("eval", help="hit@k, refusals and latency on a JSONL question set")
    p.add_argument("file")
    p.add_argument("--json", action="store_true")
    p.add_argument("--verbose", action="store_true", help="one line per question")
    p.add_argument("--docs")
    p.set_defaults(handler=cmd_eval)
    p = sub.add_parser("serve", help="run the Telegram bot (token from TELEGRAM_BOT_TOKEN)")
    p.set_defaults(handler=cmd_serve)
    p = sub.add_parser("report", help="what officials asked that the documents did not answer")
    p.add_argument("--days", type=float, help="look back this many days (default: [state] gaps_days)")
    p.add_argument("--csv", help="also write every logged question of the period to this CSV file")
    p.set_defaults(handler=cmd_report)
    p = sub.add_parser("teach", help="link a wording to the paragraph that answers it (or not covered)")
    p.add_argument("question", nargs="?", help="the wording, as officials ask it")
    p.add_argument("--doc", help="the document, named as the bot cites it")
    p.add_argument("--paragraph", type=int, help="its ¶n")
    p.add_argument("--sentence", default="", help="a piece of the sentence to bold")
    p.add_argument("--not-covered", action="store_true", help="the documents do not answer this wording")
    p.add_argument("--list", action="store_true", help="what is taught")
    p.add_argument("--json", action="store_true", help="with --list: as JSON")
    p.add_argument("--remove", metavar="ID", help="forget a teaching")
    p.add_argument("--import", dest="import_file", metavar="FILE", help="FAQ pairs from CSV or JSONL")
    p.add_argument("--export", dest="export_file", metavar="FILE", help="write what is taught (CSV or JSONL)")
    p.add_argument("--docs")
    p.set_defaults(handler=cmd_teach)
    p = sub.add_parser("dialogue", help="scripted dialogues for testers")
    dsub = p.add_subparsers(dest="dialogue_command", required=True)
    d = dsub.add_parser("run", help="replay dialogue scripts through the real bot stack")
    d.add_argument("files", nargs="+")
    d.add_argument("--junit", help="write JUnit XML here")
    d.add_argument("--html", help="write an HTML report here")
    d.set_defaults(handler=cmd_dialogue)
    d = dsub.add_parser("record", help="chat in the console and save it as a dialogue")
    d.add_argument("file")
    d.set_defaults(handler=cmd_dialogue)
    return parser


def _service(settings: Settings, progress: bool = False) -> Any:
    from bot.engine.lifecycle import open_service

    return open_service(settings, progress=progress, finish=True)


def cmd_index(settings: Settings, args: argparse.Namespace) -> int:
    """Build the index, or refresh it when documents, model or settings changed."""
    service = _service(settings, progress=not args.if_stale)
    info = service.info
    if not args.if_stale:
        print(
            f"index ready: {len(info.documents)} document(s), {info.paragraphs} paragraphs, "
            f"{info.passages} passages, model {info.model}, built {info.built_at}"
        )
    _print_skipped(info.skipped)
    return 0


def _print_skipped(skipped: tuple[Skipped, ...]) -> None:
    from bot.telegram.texts import problem_text

    for s in skipped:
        print(f"left out: {problem_text('zh', s.reason, {**dict(s.values), 'name': s.name})}")


def cmd_docs(settings: Settings, args: argparse.Namespace) -> int:
    """The documents served, with paragraphs, pages and who added them; unreadable ones."""
    from bot.engine.documents.folder import with_who_added

    service = _service(settings)
    for d in with_who_added(service.library.catalogue(), settings.docs_dir):
        pages = f", {d.pages} pages" if d.pages else ""
        added = f", added {d.added_at[:10]} by {d.added_by}" if d.added_at else ""
        print(f"{d.name}: {d.paragraphs} paragraphs{pages}{added}")
    _print_skipped(service.info.skipped)
    return 0


def cmd_remove(settings: Settings, args: argparse.Namespace) -> int:
    """Delete one document (after a confirmation) and refresh the index."""
    from bot.engine.documents.folder import remove

    names = [p.name for p in settings.docs_dir.iterdir() if p.is_file() and not p.name.startswith(".")]
    if args.name not in names:
        print(f"qabot: no document named {args.name!r} in {settings.docs_dir}; `qabot docs` lists them",
              file=sys.stderr)
        return 2
    if not args.yes:
        if not sys.stdin.isatty():
            print("qabot: add --yes to delete without a question", file=sys.stderr)
            return 2
        if input(f"delete {args.name}? [y/N] ").strip().lower() not in ("y", "yes"):
            print("nothing deleted")
            return 1
    removed = remove(settings.docs_dir, args.name)
    try:
        service = _service(settings, progress=True)
    except Exception:
        removed.rollback()
        raise
    info = service.info
    print(f"deleted {args.name}; index ready: {len(info.documents)} document(s), {info.paragraphs} ¶")
    return 0


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    """Answer one question, as text or JSON."""
    from bot.console import ask

    ask(settings, args.question, as_json=args.json)
    return 0


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    """Questions line by line from stdin, answered as a chat."""
    from bot.console import chat

    chat(settings, as_json=args.json)
    return 0


def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    """Score the engine on a question file."""
    from bot.state import read_taught
    from bot.tools.evaluate import evaluate, format_summary, read_cases

    service = _service(settings)
    service.teach(read_taught(settings))
    summary, rows = evaluate(service, read_cases(Path(args.file)))
    if args.verbose:
        for row in rows:
            mark = row["status"] if not row["answered"] else f"rank {row['rank']}"
            answer = "✓" if row["answer_hit"] else ("✗" if row["in_scope"] and row["answered"] else " ")
            print(f"{'IN ' if row['in_scope'] else 'OFF'} {mark:11s} {answer} ¶{row['cited']} {row['q']}")
            if args.verbose and row["answer"] and not row["answer_hit"]:
                print(f"      答：{row['answer']}")
    print(json.dumps(summary) if args.json else format_summary(summary))
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """Run the Telegram bot until interrupted."""
    from bot.telegram.app import run

    run(settings)
    return 0


def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    """Outcome counts, latency percentiles and the most frequent unanswered questions."""
    from bot.state import open_store
    from bot.state.report import build_report, format_report, write_csv

    days = args.days if args.days is not None else settings.state.gaps_days
    if days <= 0:
        raise ValueError("--days must be positive")
    store = open_store(settings)
    try:
        report = build_report(store, days)
    finally:
        store.close()
    print(format_report(report))
    if args.csv:
        write_csv(report, Path(args.csv))
        print(f"\n{len(report.rows)} questions written to {args.csv}")
    return 0


def cmd_teach(settings: Settings, args: argparse.Namespace) -> int:
    """Teach a wording, mark one not covered, or list / remove / import / export teachings."""
    from bot.state import open_store
    from bot.tools import teach

    store = open_store(settings)
    try:
        paragraphs = teach.Paragraphs.read(settings)
        if args.list or args.export_file:
            records = store.teachings()
            if args.export_file:
                n = teach.export(records, paragraphs.hashes, Path(args.export_file))
                print(f"{n} teaching(s) written to {args.export_file}")
                return 0
            items = teach.rows(records, paragraphs.hashes)
            print(json.dumps(items, ensure_ascii=False, indent=2) if args.json else teach.format_rows(items))
            return 0
        if args.remove:
            if not store.remove_teaching(args.remove):
                raise teach.TeachError(f"no teaching {args.remove!r}; `qabot teach --list` shows the ids")
            print(f"removed {args.remove}")
            return 0
        if args.import_file:
            path = Path(args.import_file)
            kept = teach.teach_all(store, teach.imported(teach.parse(path), paragraphs, path.name),
                                   f"import:{path.name}")
            print(f"{len(kept)} teaching(s) imported from {path}")
            return 0
        if not args.question:
            raise teach.TeachError('give a question: qabot teach "问题" --doc NAME --paragraph N')
        if args.not_covered:
            taught = store.teach(Teaching("", args.question.strip(), not_covered=True), teach.who())
        elif args.doc and args.paragraph:
            made = paragraphs.teaching(args.question, args.doc, args.paragraph, args.sentence)
            taught = store.teach(made, teach.who())
        else:
            raise teach.TeachError("say where the answer is (--doc NAME --paragraph N) or --not-covered")
    finally:
        store.close()
    where = "not covered" if taught.not_covered else f"¶{taught.paragraph} ({taught.doc})"
    print(f"taught {taught.id}: {taught.question} → {where}")
    return 0


def cmd_dialogue(settings: Settings, args: argparse.Namespace) -> int:
    """Run or record scripted dialogues."""
    from bot.tools.dialogue import cli as dialogue_cli

    result: int = dialogue_cli.main(settings, args)
    return result


if __name__ == "__main__":
    sys.exit(main())
