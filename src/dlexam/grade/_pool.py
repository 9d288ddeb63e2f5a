"""Worker processes for the grader, started early, sharing chunks of students with this process.

    with Pool(1, initializer=start, initargs=(built, rules)) as pool:   # it imports meanwhile
        results = pool.map(task, [(refs, answers, scores), ...], here=task_here, done=count)

The workers take chunks from the front of the list while this process takes them from the back
(`here`: no pickling of its own results, and no process of its own to start), so on two cores
one worker and this process share the marking. Results come back in chunk order. Processes are
spawned, not forked (a forked process can hang once typst has run in the parent, as in
exam/build.py), and started when the pool is made, so they import dlexam while the caller reads
the answers file. A chunk whose worker died (killed for memory, say) is run here instead; an
exception raised by the task itself comes back as it is.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Any, TypeVar

__all__ = ["Pool"]

T = TypeVar("T")


def _ready() -> None:
    """A task that only makes the pool start a process (its initializer runs first)."""


def settle() -> None:
    """Freeze what a worker's imports made and stop cyclic garbage collection (call from an
    initializer): a worker marks and drops one paper at a time, making next to no cyclic
    garbage (a dozen objects in 10,000 papers), and collecting would cost it 5-8 % of its time."""
    gc.collect()
    gc.freeze()
    gc.disable()


class Pool:
    def __init__(self, workers: int, *, initializer: Callable[..., None], initargs: tuple[Any, ...]) -> None:
        spawn = multiprocessing.get_context("spawn")
        self._executor = ProcessPoolExecutor(workers, mp_context=spawn, initializer=initializer,
                                             initargs=initargs)
        for _ in range(workers):  # a process is spawned per task submitted while none is idle
            self._executor.submit(_ready)

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def map(self, task: Callable[..., T], chunks: Sequence[tuple[Any, ...]], *, here: Callable[..., T],
            done: Callable[[T], None] | None = None) -> list[T]:
        """`task(*chunk)` of every chunk, in order: workers take the chunks from the front, this
        process (`here(*chunk)`) from the back until they meet. `done(result)` is called as each
        chunk's result is known, in no particular order."""
        futures = [self._executor.submit(task, *chunk) for chunk in chunks]
        results: dict[int, T] = {}

        def keep(i: int, result: T) -> None:
            results[i] = result
            if done is not None:
                done(result)

        back = len(chunks) - 1
        while back >= 0 and futures[back].cancel():  # still waiting for a worker: take it
            keep(back, here(*chunks[back]))
            back -= 1
            for i in range(back + 1):  # what the workers finished meanwhile, for progress
                if i not in results and futures[i].done() and futures[i].exception() is None:
                    keep(i, futures[i].result())
        for i in range(back + 1):
            if i not in results:
                try:
                    keep(i, futures[i].result())
                except BrokenProcessPool:
                    keep(i, here(*chunks[i]))
        return [results[i] for i in range(len(chunks))]
