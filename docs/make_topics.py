"""Writes docs/topics.md from the topic modules themselves, so the catalogue never drifts
from the code: `python docs/make_topics.py > docs/topics.md` (a test checks it is current)."""

from __future__ import annotations

import json

from dlexam import all_topics, question
from dlexam.topics import REQUIRED

HEADER = """# The topic catalogue

Every topic turns params (plain JSON) into a question with exact answers and a worked
solution. Ids, param names and part ids are a contract: the CLI, the Python API, exam
specs and graders rely on them (see shared/TOPICS.md).

```
dlexam question TOPIC --params '<json>' --json     # pinned numbers
dlexam question TOPIC --seed 7 --json              # a drawn, hand-computable variant
```

prints one JSON object: `topic`, `title`, `seed`, `params` (all of them, defaults filled
in, your values exactly as given), `calculator` (whether the key needs one), `prompt`
(Markdown with LaTeX math), `parts` (each with `id`, `kind`, `marks`, `answer`, `prompt`)
and `solution` (steps with a `title` and Markdown `text`).

Answers are exact. Integers are JSON integers; rationals are
`{"exact": "3/16", "value": 0.1875}`; irrational values are SymPy expressions with a
decimal beside them, `{"exact": "log(9)", "value": 2.1972245773}`; shapes and vectors are
lists and matrices lists of rows. Numbers in params may be JSON numbers or exact strings
(`"3/16"`); a decimal such as `0.1` means exactly 1/10. A bad param exits 2 with one line
naming the param, what is allowed, and what was given.

Below, each topic's conventions and what its seeded variants guarantee, as its module
states them.

"""


def main() -> None:
    print(HEADER, end="")
    for t in all_topics():
        doc = (t.module.__doc__ or "").strip().split("\n", 1)
        body = doc[1].strip() if len(doc) > 1 else ""
        parts = question(t.id, seed=0).parts
        params = ", ".join(
            f"`{n}`" if d is REQUIRED else f"`{n}` (default {json.dumps(d)})" for n, d in t.params.items()
        )
        print(f"## `{t.id}` — {t.title}\n")
        print(f"- **Params:** {params}")
        print(f"- **Parts:** {', '.join(f'`{p.id}` ({p.kind})' for p in parts)}")
        plural = "s" if t.decimals != 1 else ""
        print(f"- **Seeded keys:** numbers with at most {t.decimals} decimal place{plural}\n")
        print(body + "\n")


if __name__ == "__main__":
    main()
