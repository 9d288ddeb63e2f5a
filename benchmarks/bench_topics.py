"""Questions generated and solved per second, for every topic.

    python benchmarks/bench_topics.py [--seconds 1.0]

Two figures per topic: `seeded` draws a hand-computable variant and solves it (what a
course build does per student); `pinned` solves fixed params (the params of seed 0).
Each figure is the best of three runs of about --seconds each, on one core.
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable

from dlexam import all_topics, question

# pinned cases the issue names a target for, beyond seed 0 of each topic
EXTRA = {
    "mlp.sgd_step, 2-2-1 network": (
        "mlp.sgd_step",
        {"weights": [[[0.2, -0.1], [0.3, 0.1]], [[0.5, -1]]], "biases": [[0.1, 0], [0]],
         "x": [1, 2], "y": 0.05, "lr": 0.5},
    ),
}


def rate(make: Callable[[int], object], seconds: float) -> float:
    best = 0.0
    for _ in range(3):
        n, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            make(n)
            n += 1
        best = max(best, n / elapsed)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--topic", action="append", help="only these topics")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {platform.processor() or '?'}, Python {platform.python_version()}")
    print("| topic | seeded questions/s | pinned questions/s |")
    print("| --- | ---: | ---: |")
    for topic in all_topics():
        if args.topic and topic.id not in args.topic:
            continue
        params = question(topic.id, seed=0).params
        seeded = rate(lambda n, t=topic.id: question(t, seed=n), args.seconds)
        pinned = rate(lambda n, t=topic.id, p=params: question(t, params=p), args.seconds)
        print(f"| `{topic.id}` | {seeded:,.0f} | {pinned:,.0f} |", flush=True)
    for label, (topic_id, params) in EXTRA.items():
        if args.topic and topic_id not in args.topic:
            continue
        pinned = rate(lambda n, t=topic_id, p=params: question(t, params=p), args.seconds)
        print(f"| {label} | — | {pinned:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
