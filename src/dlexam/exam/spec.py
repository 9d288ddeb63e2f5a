"""The exam spec: a TOML file read, checked completely and turned into a `Spec`.

    spec = load_spec("examples/midterm.toml")      # SpecError: file:line: field: what and the fix
    spec.info.title, spec.total_marks, [s.title for s in spec.sections]

`[exam]` holds the cover (id, course, title, date, duration, instructions, aids,
total_marks) and the secret every student's variant is derived from: `secret_env`
(an environment variable), `secret_file` (a file next to the spec) or, for a demo,
`secret` itself. The secret is never printed; `Spec`'s repr leaves it out. Each
`[[sections]]` has a title, a marking policy for multiple-answer questions and shuffle
switches; its `[[sections.questions]]` are checked by `_questions`. docs/exam-spec.md
documents the format.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..bank import Bank, BankError, load_bank
from ..model import POLICIES, ExamInfo
from ._base import Reader, Slot, SpecError, quote, type_name
from ._locate import Locator
from ._questions import QuestionParser, assign

__all__ = ["MIN_SECRET", "Section", "Spec", "SpecError", "load_spec", "parse_spec"]

EXAM_FIELDS = ("id", "course", "title", "date", "duration", "instructions", "aids", "total_marks",
               "secret", "secret_env", "secret_file", "bank")
SECTION_FIELDS = ("title", "policy", "shuffle_questions", "shuffle_options", "questions")
MIN_SECRET = 16  # characters: short secrets can be brute-forced from one classmate's paper
_EXAM_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")
_NEW_SECRET = "e.g. the output of `python -c \"import secrets; print(secrets.token_hex(16))\"`"


@dataclass(frozen=True)
class Section:
    title: str
    policy: str
    shuffle_questions: bool
    shuffle_options: bool
    slots: tuple[Slot, ...]


@dataclass(frozen=True)
class Spec:
    """A checked exam spec. `warnings` are things worth saying that do not stop a build
    (a secret written into the spec itself)."""

    path: str
    info: ExamInfo
    sections: tuple[Section, ...]
    secret: str = field(repr=False)
    bank: Bank = field(repr=False, compare=False)
    warnings: tuple[str, ...] = ()

    @property
    def slots(self) -> list[Slot]:
        return [slot for section in self.sections for slot in section.slots]

    @property
    def total_marks(self) -> int:
        return sum(slot.marks for slot in self.slots if not slot.bonus)


def load_spec(path: str | Path, *, environ: Mapping[str, str] | None = None) -> Spec:
    """Read and check the spec at `path`; `environ` (default os.environ) serves `secret_env`."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise SpecError(name, 0, "", f"cannot read the spec ({e.strerror}); check the path") from None
    except UnicodeDecodeError:
        raise SpecError(name, 0, "", "is not UTF-8 text; save it as UTF-8") from None
    return parse_spec(text, path=name, environ=environ)


def parse_spec(text: str, *, path: str = "exam.toml", environ: Mapping[str, str] | None = None) -> Spec:
    """Check spec source `text` (as read from `path`, which names it in errors and anchors
    relative secret and bank files)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        found = _TOML_LINE.search(str(e))
        message = _TOML_LINE.sub("", str(e)).strip()
        raise SpecError(path, int(found.group(1)) if found else 0, "",
                        f"not valid TOML: {message}; fix the syntax on that line") from None
    return _Parser(path, text, os.environ if environ is None else environ).spec(data)


class _Parser:
    def __init__(self, path: str, text: str, environ: Mapping[str, str]) -> None:
        self.path, self.environ = path, environ
        self.folder = Path(path).parent
        self.r = Reader(path, Locator(text))
        self.warnings: list[str] = []

    def spec(self, data: dict[str, Any]) -> Spec:
        r = self.r
        r.known(data, (), ("exam", "sections"), "a top-level")
        if "exam" not in data:
            raise r.error(("exam",), "is missing; start the spec with an [exam] table "
                          "(id, course, title, ...)")
        exam = r.table(data["exam"], ("exam",), "a table ([exam])")
        r.known(exam, ("exam",), EXAM_FIELDS, "an [exam]")
        info = self._info(exam)
        secret = self._secret(exam)
        bank = self._bank(exam)
        sections = self._sections(data, bank)
        spec = Spec(self.path, info, sections, secret, bank, tuple(self.warnings))
        self._check_picks(spec)
        spec = replace(spec, info=replace(info, total_marks=spec.total_marks))
        declared = exam.get("total_marks")
        if declared is not None and declared != spec.total_marks:
            raise r.error(("exam", "total_marks"), f"is {declared} but the questions add up to "
                          f"{spec.total_marks} (bonus questions not counted); make them agree "
                          "or drop total_marks")
        return spec

    def _info(self, exam: dict[str, Any]) -> ExamInfo:
        r, at = self.r, ("exam",)
        exam_id = r.string(exam, at, "id", required=True, fix='name the exam, e.g. id = "dl-midterm-2026"')
        if not _EXAM_ID.match(exam_id):
            raise r.error(("exam", "id"), f"must be letters, digits, '.', '-' or '_' (it names files and "
                          f"QR codes), got {quote(exam_id)}")
        when = exam.get("date", "")
        if isinstance(when, date | datetime):
            when = when.isoformat()
        if not isinstance(when, str):
            raise r.error(("exam", "date"), f"must be a date (2026-03-12) or a text, got {type_name(when)}")
        total = r.integer(exam, at, "total_marks", default=None)
        return ExamInfo(
            id=exam_id,
            course=r.string(exam, at, "course", required=True,
                            fix='give the course name, e.g. course = "Deep Learning"'),
            title=r.string(exam, at, "title", required=True,
                           fix='give the exam a title, e.g. title = "Midterm"'),
            date=when.strip(),
            duration_minutes=r.integer(exam, at, "duration", default=0) or 0,
            instructions=r.string(exam, at, "instructions"),
            aids=r.string(exam, at, "aids"),
            total_marks=total or 0,  # filled in from the questions below when not given
        )

    def _secret(self, exam: dict[str, Any]) -> str:
        r = self.r
        given = [k for k in ("secret", "secret_env", "secret_file") if k in exam]
        if len(given) != 1:
            what = "none" if not given else " and ".join(given)
            raise r.error(("exam",), f"needs exactly one of secret_env, secret_file or secret, got {what}; "
                          f'e.g. secret_env = "DLEXAM_SECRET"')
        key = given[0]
        at = ("exam", key)
        if not isinstance(exam[key], str) or not exam[key].strip():
            raise r.error(at, f"must be a non-empty string, got {type_name(exam[key])}")
        if key == "secret_env":
            name = exam[key].strip()
            if name not in self.environ:
                raise r.error(at, f"the environment variable {name} is not set; export {name}=<a long random "
                              f"text> ({_NEW_SECRET}) and keep it with the exam")
            secret = self.environ[name].strip()
        elif key == "secret_file":
            file = self.folder / exam[key].strip()
            try:
                secret = file.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError):
                raise r.error(at, f"cannot read {file}; write the secret into it ({_NEW_SECRET})") from None
        else:
            secret = exam[key]
            self.warnings.append(f"{self.path}: the secret is written in the spec itself, so anyone who "
                                 "reads the file can recompute every student's variant; use secret_env or "
                                 "secret_file for a real exam")
        if len(secret) < MIN_SECRET:
            raise r.error(at, f"the secret has {len(secret)} characters; use at least {MIN_SECRET} "
                          f"({_NEW_SECRET})")
        return secret

    def _bank(self, exam: dict[str, Any]) -> Bank:
        files = exam.get("bank", [])
        files = [files] if isinstance(files, str) else files
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            raise self.r.error(("exam", "bank"), "must be a list of item files, e.g. [\"my_course.toml\"]")
        try:
            return load_bank(extra=[self.folder / f for f in files])
        except BankError as e:
            raise self.r.error(("exam", "bank"), str(e)) from None

    def _sections(self, data: dict[str, Any], bank: Bank) -> tuple[Section, ...]:
        r = self.r
        raw = data.get("sections")
        if not isinstance(raw, list) or not raw:
            raise r.error(("sections",), "the spec needs at least one [[sections]] "
                          "with [[sections.questions]]")
        questions: list[tuple[int, int, Any]] = []
        for i, section in enumerate(raw):
            at = ("sections", i)
            r.known(r.table(section, at, "a table ([[sections]])"), at, SECTION_FIELDS, "a section")
            entries = section.get("questions")
            if not isinstance(entries, list) or not entries:
                raise r.error((*at, "questions"), "the section has no questions; add [[sections.questions]] "
                              "entries after its [[sections]]")
            questions += [(i, j, q) for j, q in enumerate(entries)]
        placed: dict[str, int] = {}
        for i, j, q in questions:  # items placed by id, so no pick repeats them
            if isinstance(q, dict) and isinstance(q.get("item"), str):
                placed.setdefault(q["item"], r.line(("sections", i, "questions", j)))
        parser = QuestionParser(r, bank, placed)
        sections = []
        for i, section in enumerate(raw):
            at = ("sections", i)
            slots: list[Slot] = []
            for j, entry in enumerate(section["questions"]):
                slots += parser.parse(entry, (*at, "questions", j), i + 1, len(slots), group=j)
            sections.append(Section(
                title=r.string(section, at, "title", required=True,
                               fix='give the section a title, e.g. title = "Beginner"'),
                policy=str(r.choice(section, at, "policy", POLICIES, "all_or_nothing")),
                shuffle_questions=r.boolean(section, at, "shuffle_questions"),
                shuffle_options=r.boolean(section, at, "shuffle_options"),
                slots=tuple(slots),
            ))
        return tuple(sections)

    def _check_picks(self, spec: Spec) -> None:
        """Picks that fit alone may still not fit together ("2 tagged gan" and "2 advanced
        gan" when the bank has 3): find one item per pick slot for the whole paper."""
        picks = [s for s in spec.slots if s.pick is not None]
        chosen = assign([s.pick.candidates for s in picks if s.pick is not None])
        for slot, got in zip(picks, chosen, strict=True):
            if got is None:
                raise SpecError(self.path, slot.line, _slot_field(spec, slot),
                                "the picks before it already use every item it could take; "
                                "loosen its tags, level or kind, or lower a count")


def _slot_field(spec: Spec, slot: Slot) -> str:
    for i, section in enumerate(spec.sections):
        if any(other is slot for other in section.slots):
            return f"sections[{i + 1}].questions[{slot.group + 1}].pick"
    return "pick"
