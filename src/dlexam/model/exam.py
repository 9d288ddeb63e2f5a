"""The exam model: what one student's paper holds, as plain frozen data with JSON.

An exam spec (exam/) draws a `Paper` per student: the exam's metadata, the student,
and sections of numbered `Entry`s, each a Question (a drawn topic or a concept item
turned into a one-part Question). Renderers (paper, key, HTML, Markdown) and the
grader read a Paper and nothing else; `Pool` is what an LMS export reads: every
variant one numbered question may show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .question import Question

__all__ = ["POLICIES", "Entry", "ExamInfo", "Paper", "PaperSection", "Pool"]

#: How a section marks its multiple-answer questions: every box right or zero; a share
#: of the marks per right box; or right boxes minus wrong ones, floored at zero.
POLICIES = ("all_or_nothing", "per_option", "negative")


@dataclass(frozen=True)
class ExamInfo:
    """What the cover shows, the same for every student. `id` names the exam in QR codes
    and manifests (e.g. "dl-midterm-2026")."""

    id: str
    course: str
    title: str
    date: str = ""
    duration_minutes: int = 0
    instructions: str = ""
    aids: str = ""
    total_marks: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ExamInfo:
        return cls(**d)


@dataclass(frozen=True)
class Entry:
    """One numbered question of a paper. `number` is what is printed ("1", "2", …);
    `key` is the same for every student ("s1q2": section 1, question 2) so a grader
    lines students up question by question."""

    number: str
    key: str
    question: Question
    bonus: bool = False

    @property
    def marks(self) -> int:
        return self.question.marks

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "key": self.key, "bonus": self.bonus,
                "question": self.question.to_dict()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Entry:
        return cls(d["number"], d["key"], Question.from_dict(d["question"]), d.get("bonus", False))


@dataclass(frozen=True)
class PaperSection:
    title: str
    policy: str
    entries: tuple[Entry, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "policy": self.policy, "entries": [e.to_dict() for e in self.entries]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PaperSection:
        return cls(d["title"], d["policy"], tuple([Entry.from_dict(e) for e in d["entries"]]))


@dataclass(frozen=True)
class Paper:
    """One student's variant of the exam. `seed` is the hex digest the variant was drawn
    from (an HMAC of the exam secret and the student id)."""

    exam: ExamInfo
    student_id: str
    student_name: str
    seed: str
    sections: tuple[PaperSection, ...]

    @property
    def entries(self) -> list[Entry]:
        return [e for s in self.sections for e in s.entries]

    @property
    def marks(self) -> int:
        """Marks of the paper without bonus questions."""
        return sum(e.marks for e in self.entries if not e.bonus)

    def to_dict(self) -> dict[str, Any]:
        return {
            "exam": self.exam.to_dict(),
            "student_id": self.student_id,
            "student_name": self.student_name,
            "seed": self.seed,
            "sections": [s.to_dict() for s in self.sections],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Paper:
        return cls(ExamInfo.from_dict(d["exam"]), d["student_id"], d["student_name"], d["seed"],
                   tuple([PaperSection.from_dict(s) for s in d["sections"]]))


@dataclass(frozen=True)
class Pool:
    """One numbered question of the exam with every variant an LMS may draw from
    (one for a pinned topic or a concept item, many for a drawn topic)."""

    number: str
    key: str
    section: str
    policy: str
    variants: tuple[Question, ...]
    bonus: bool = False
