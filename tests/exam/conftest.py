"""A small spec every exam test starts from, and helpers to change it."""

from __future__ import annotations

import pytest

from dlexam.exam import Spec, parse_spec

SECRET = "0123456789abcdef-test-secret"

BASE = f'''\
[exam]
id = "t-quiz"
course = "Deep Learning"
title = "Quiz"
secret = "{SECRET}"

[[sections]]
title = "One"
shuffle_questions = true
shuffle_options = true

[[sections.questions]]
topic = "conv.output_shape"
params = {{ input = [1, 3, 8, 8], out_channels = 4, kernel = 3 }}

[[sections.questions]]
topic = "pool.output_shape"

[[sections.questions]]
item = "activations.dead-relu"

[[sections.questions]]
pick = {{ count = 2, tags = ["gan"] }}
marks = 1
'''


def spec_of(text: str = BASE, **kw: object) -> Spec:
    return parse_spec(text, path="quiz.toml", **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def base_spec() -> Spec:
    return spec_of()
