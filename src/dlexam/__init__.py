"""dlexam: exam questions for deep-learning courses, with exact answer keys.

    >>> import dlexam
    >>> q = dlexam.question("conv.output_shape", seed=7)
    >>> q.part("shape").answer            # exact, checked against PyTorch in the tests
    >>> print(dlexam.to_markdown(q))     # prompt, key and worked solution

Layers, left to right (each knows only those to its left): `engine` (exact numbers and
a tape of named steps) → `topics` (params → Question) and `bank` (concept items) →
`model` (plain data: Question, Paper) → `exam` (spec, roster, a variant per student,
build) → `render` (PDF, HTML, Markdown, Moodle, QTI) and `grade` → `cli`.

    >>> from dlexam.exam.build import build
    >>> build("examples/midterm.toml", roster="examples/roster.csv", out="build/midterm")
"""

from .errors import DlexamError, ParamError, UnknownTopicError
from .model import Part, Question, Step
from .render import to_markdown
from .topics import Topic, all_topics, get_topic, question

__all__ = [
    "DlexamError",
    "ParamError",
    "Part",
    "Question",
    "Step",
    "Topic",
    "UnknownTopicError",
    "all_topics",
    "get_topic",
    "question",
    "to_markdown",
]
__version__ = "0.1.0"
