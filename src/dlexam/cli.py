"""`dlexam` on the command line: a thin layer over the Python API.

    dlexam topics                                   list topics, their params and defaults
    dlexam question TOPIC --params JSON | --seed N  one question, as text, --json or --markdown
    dlexam check TOPIC --seed N DESIGN              run a student's design (weights) against the question
    dlexam bank [WORDS] [--tag T] [--level L] ...    list and search the concept items
    dlexam bank --show ID                           one concept item with its key
    dlexam build SPEC --roster CSV --out DIR        a paper, key, HTML and Markdown per student
    dlexam export SPEC --moodle FILE --qti FILE     the exam for Moodle and Canvas
    dlexam grade DIR --answers FILE --out GRADES    score a built exam's answers
    dlexam demo                                     build the bundled midterm and say where it is

Bad input of any kind prints one line, `dlexam: <what and how to fix it>`, on stderr
and exits 2; nothing is printed as a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NoReturn

from . import _cli_exam, render
from .bank import KINDS, LEVELS, load_bank
from .errors import DlexamError
from .model import Question
from .topics import REQUIRED, all_topics, get_topic, question

__all__ = ["main"]

USAGE_ERROR = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise DlexamError(f"{message} (see `{self.prog} --help`)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dlexam", description="Exam questions for deep-learning courses, "
                     "with exact answer keys and worked solutions.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    sub.add_parser("topics", help="list the topics, their params and defaults")

    q = sub.add_parser("question", help="one question of a topic, with its key and worked solution")
    q.add_argument("topic", help="a topic id, e.g. conv.output_shape (see `dlexam topics`)")
    _add_source(q)
    form = q.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="print the TOPICS.md JSON object")
    form.add_argument("--markdown", action="store_true", help="print Markdown with LaTeX math")
    q.add_argument("--no-solution", action="store_true", help="leave out the key and solution")

    c = sub.add_parser("check", help="run a design (weights) against a design question (design.*)")
    c.add_argument("topic", help="a design topic id (see `dlexam topics`)")
    _add_source(c)
    c.add_argument("design", metavar="DESIGN", help="the design as JSON, in the format the question states")

    b = sub.add_parser("bank", help="list, search and show the concept items (choice, true/false, short)")
    b.add_argument("words", nargs="*", help="words every listed item contains (id, text, options, tags)")
    b.add_argument("--tag", action="append", default=[], help="only items with this tag (repeatable)")
    b.add_argument("--level", choices=LEVELS, help="only items of this level")
    b.add_argument("--kind", choices=KINDS, help="only items of this kind")
    b.add_argument("--theme", help="only items of this theme (the file they live in)")
    b.add_argument("--show", metavar="ID", help="print one item with its key, explanation and rubric")
    b.add_argument("--no-key", action="store_true", help="with --show: leave out the key")
    b.add_argument("--json", action="store_true", help="print the items as JSON")
    b.add_argument("--items", metavar="FILE", action="append", default=[],
                   help="also load your own item file (TOML, see docs/concept-bank.md; repeatable)")

    _cli_exam.add_commands(sub)
    return parser


def _add_source(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--params", metavar="JSON", help="pinned params as a JSON object")
    source.add_argument("--seed", metavar="N", help="draw a hand-computable variant from seed N")


def _read_params(text: str) -> Any:
    """JSON with decimals kept exact: 0.1 is read as Decimal('0.1'), not a float."""
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as e:
        raise DlexamError(f"--params is not valid JSON ({e.msg} at column {e.colno})") from None
    except (ValueError, RecursionError):  # a 5,000-digit integer, nesting 100,000 deep
        raise DlexamError("--params holds a number or a nesting far beyond any topic's params") from None


def _read_seed(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise DlexamError(f"--seed must be a non-negative integer, got {text!r}")
    return int(text)


def _cmd_topics(out: Any) -> None:
    for topic in all_topics():
        out.write(f"{topic.id}  {topic.title}\n")
        params = ", ".join(
            name if default is REQUIRED else f"{name}={json.dumps(default)}"
            for name, default in topic.params.items()
        )
        out.write(f"    params: {params}\n")


def _question(args: argparse.Namespace) -> Question:
    if args.seed is not None:
        return question(args.topic, seed=_read_seed(args.seed))
    return question(args.topic, params=_read_params(args.params))


def _cmd_question(args: argparse.Namespace, out: Any) -> None:
    q = _question(args)
    if args.json:
        d = q.to_dict()
        if args.no_solution:
            d.pop("solution")
            for part in d["parts"]:
                part.pop("answer")
        out.write(json.dumps(d, ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(render.to_markdown(q, solution=not args.no_solution))


def _cmd_check(args: argparse.Namespace, out: Any) -> int:
    """Exit 0 for a design that works, 1 for one that does not (with the reason)."""
    topic = get_topic(args.topic)
    if not topic.checks_designs:
        raise DlexamError(f"{topic.id} has no design to check; `dlexam check` takes design.* topics")
    q = _question(args)
    try:
        design = json.loads(args.design, parse_float=Decimal)
    except (ValueError, RecursionError):
        raise DlexamError("DESIGN is not valid JSON; give the weights as the question states, "
                          'e.g. \'{"W1": [[1, -1], [-1, 1]], ...}\'') from None
    verdict = topic.check(q.params, design)
    out.write(f"{'correct' if verdict.ok else 'not correct'}: {verdict.message}\n")
    return 0 if verdict.ok else 1


def _cmd_bank(args: argparse.Namespace, out: Any) -> None:
    bank = load_bank(extra=args.items)
    if args.show:
        item = bank.get(args.show)
        if args.json:
            out.write(json.dumps(item.to_dict(), ensure_ascii=False, indent=2) + "\n")
        else:
            out.write(render.item_to_markdown(item, key=not args.no_key))
        return
    found = bank.search(args.words, tags=args.tag, level=args.level, kind=args.kind, theme=args.theme)
    if args.json:
        out.write(json.dumps([i.to_dict() for i in found], ensure_ascii=False, indent=2) + "\n")
        return
    width = max((len(i.id) for i in found), default=0)
    for item in found:
        first_line = " ".join(item.text.split())
        first_line = first_line if len(first_line) <= 70 else first_line[:69] + "…"
        out.write(f"{item.id:<{width}}  {item.level:<12}  {item.kind:<10}  {first_line}\n")
    out.write(f"{len(found)} of {len(bank)} items. `dlexam bank --show ID` prints one with its key.\n")


def main(argv: Sequence[str] | None = None) -> int:
    out = sys.stdout
    try:
        args = _parser().parse_args(argv)
        if args.command == "topics":
            _cmd_topics(out)
        elif args.command == "question":
            _cmd_question(args, out)
        elif args.command == "bank":
            _cmd_bank(args, out)
        elif args.command == "check":
            return _cmd_check(args, out)
        else:
            return _cli_exam.run(args, out)
    except DlexamError as e:
        print(f"dlexam: {e}", file=sys.stderr)
        return USAGE_ERROR
    except BrokenPipeError:  # `dlexam topics | head`
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
