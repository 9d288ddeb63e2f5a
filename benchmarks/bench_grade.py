"""Grade a simulated class: 10,000 students × 25 parts of a realistic mix, timed.

    python benchmarks/bench_grade.py [--students 10000] [--profile] [--keep DIR] [--workers N]

Three cases, each graded by `dlexam.grade.run.grade_exam` in a fresh process (so its peak
memory is the grader's own) with its defaults (every core: from 30,000 parts on, this process
and a worker process per further core share the marking; `--workers 1` marks in one process),
without the item-analysis report (`--report` times that too) and without feedback pages:

  mix         25 parts a paper: shapes, integers, numbers, vectors, matrices, nested lists,
              tables, single and multiple choice, true/false and a design (design.logic_gate),
              answered by `dlexam.grade.simulate` (odd formats, mistakes, blanks, garbage);
              no closed forms. This is the issue's target: ≤ 30 s, ≥ 8,000 parts/s.
  expressions calculator topics (softmax, BCE, LSTM, init) with every answer typed as a closed
              form (`log(exp(1/2) + exp(1) + 1)`), so SymPy reads each one: its own figure.
  region      design.region_classifier alone: a design run through the topic's checker.

Building 10,000 papers with PDFs would take an hour, and grading reads none of them, so the
built folder is written straight from drawn papers (`exam.stress_test` draws without
rendering; `grade.simulate.write_dry_run` writes manifest.json and variants/<id>.json with
their sha256, exactly what the grader reads). Reported per case: the whole `grade_exam`
(manifest, papers, answers file, scoring, every output file) run twice into one folder, the
first grading and a regrade (whose audit compares the two: the figure quoted), each stage of
the regrade (manifest, answers, marking: papers read and scored, writing, audit),
CPU seconds of the main process and of the workers, peak memory of the main process and of the
largest worker; then, in a second process with no workers, the reading alone (papers + answers)
and the scoring alone (`run.mark`), parts/s. `--profile` prints where the scoring time goes
(cProfile, top functions).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import multiprocessing
import os
import platform
import pstats
import random
import resource
import shutil
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from dlexam.exam import parse_roster, parse_spec, stress_test
from dlexam.grade.simulate import Cohort, Row, simulate, write_dry_run

HEADER = '''[exam]
id = "bench-grade"
course = "Deep Learning"
title = "Grading benchmark"
secret = "bench-grade-secret"
'''
MIX = HEADER + '''
[[sections]]
title = "Shapes and counting"
policy = "all_or_nothing"
shuffle_questions = true
shuffle_options = true
questions = [
  { topic = "conv.output_shape" }, { topic = "pool.output_shape" }, { topic = "params.count" },
  { topic = "cnn.layer_table" }, { pick = { kind = "true_false" } }, { pick = { kind = "single" } },
]

[[sections]]
title = "Forward and backward"
policy = "per_option"
shuffle_options = true
questions = [
  { topic = "dropout.apply" }, { topic = "norm.batchnorm" }, { topic = "qlearning.update" },
  { topic = "stats.map_estimate" }, { pick = { kind = "multi" } },
]

[[sections]]
title = "Optimisation and design"
policy = "negative"
questions = [
  { topic = "optim.step", where = { optimizer = "momentum_torch" } },
  { topic = "rnn.forward_grad", where = { activation = "relu" } }, { topic = "design.logic_gate" },
]
'''
EXPRESSIONS = HEADER + '''
[[sections]]
title = "Closed forms"
policy = "all_or_nothing"
questions = [{ topic = "softmax.cross_entropy" }, { topic = "loss.bce" }, { topic = "lstm.step" },
             { topic = "init.variance" }]
'''
REGION = HEADER + '''
[[sections]]
title = "Design"
policy = "all_or_nothing"
questions = [{ topic = "design.region_classifier" }]
'''


def closed_forms(papers: list[Any]) -> Cohort:
    """Every part answered with its key typed as a closed form (each number's exact text)."""
    def text(answer: Any) -> str:
        if isinstance(answer, dict) and "exact" in answer:
            return str(answer["exact"])
        if isinstance(answer, list):
            return "[" + ", ".join(map(text, answer)) + "]"
        return str(answer)

    return Cohort([Row(p.student_id, e.key, part.id, text(part.answer))
                   for p in papers for e in p.entries for part in e.question.parts])


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM: since its exec, unlike ru_maxrss, which on
    Linux keeps the peak of the parent it was forked from)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


STAGES = {"_manifest": "manifest", "_read": "answers", "mark_build": "marking", "write_outputs": "writing",
          "audit_run": "audit"}


def watch_workers(peaks: dict[int, float], stop: Any) -> None:
    """Every 0.2 s, each child process's peak memory (VmHWM: ru_maxrss of children would count
    the parent's memory at the fork before their exec)."""
    while not stop.is_set():
        for tasks in Path("/proc/self/task").glob("*/children"):
            for pid in tasks.read_text().split():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        peaks[int(pid)] = max(peaks.get(int(pid), 0.0), int(line.split()[1]) / 1024)
        stop.wait(0.2)


def grade_whole(built: Path, answers: Path, out: Path, report: bool, workers: int | None, queue: Any) -> None:
    """`grade_exam` as a user runs it (every default but the report and the feedback), twice
    into the same folder: a first grading, then a regrade whose audit compares the two. The
    stages are timed by wrapping the functions `grade_exam` calls, nothing else changed."""
    import functools

    from dlexam.grade import run

    stages: dict[str, float] = {}

    def timed(name: str, f: Any) -> Any:
        @functools.wraps(f)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return f(*args, **kwargs)
            finally:
                stages[name] = stages.get(name, 0.0) + time.perf_counter() - start
        return wrapper

    for function, stage in STAGES.items():
        if hasattr(run, function):
            setattr(run, function, timed(stage, getattr(run, function)))
    seconds = []
    shutil.rmtree(out, ignore_errors=True)  # the first run finds no earlier graded.jsonl
    peaks: dict[int, float] = {}
    stop = threading.Event()
    watcher = threading.Thread(target=watch_workers, args=(peaks, stop), daemon=True)
    watcher.start()
    result: Any = None
    for _ in range(2):
        stages.clear()
        result = None  # the regrade's peak memory is its own, not the first run's result's too
        start = time.perf_counter()
        result = run.grade_exam(built, answers=answers, out=out, report=False, workers=workers)
        seconds.append(time.perf_counter() - start)
    stop.set()
    watcher.join()
    report_seconds = None
    if report:
        from dlexam.grade.report import write_report

        start = time.perf_counter()
        write_report(result.grading, out)
        report_seconds = time.perf_counter() - start
    statuses = Counter(p.status for s in result.grading.students for p in s.parts)
    sheet = result.sheet
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    queue.put({"first": seconds[0], "seconds": seconds[1], "stages": dict(stages), "statuses": statuses,
               "peak_mb": peak_mb(), "worker_peak_mb": max(peaks.values(), default=0.0),
               "report": report_seconds,
               "cpu": (me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime),
               "rows": (sheet.rows_read, sheet.rows_used, sheet.rows_refused)})


def grade_parts(built: Path, answers: Path, profile: bool, queue: Any) -> None:
    """One process, no workers: the cost of reading (every paper, one at a time, and the answers
    file) and of scoring (`run.mark`, 500 papers at a time) on their own, with the garbage
    collector paused as `grade_exam` pauses it."""
    import gc

    from dlexam.grade.answers import read_answers
    from dlexam.grade.run import load_papers, mark

    gc.disable()
    start = time.perf_counter()
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    sheet = read_answers(answers, manifest)
    read = time.perf_counter() - start
    profiler = cProfile.Profile() if profile else None
    students, scoring = manifest["students"], 0.0
    for i in range(0, len(students), 500):
        start = time.perf_counter()
        papers, _ = load_papers(built, {"students": students[i:i + 500]})
        read += time.perf_counter() - start
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        mark(papers, sheet, exam_id="bench", title="bench", question_keys=[])
        if profiler:
            profiler.disable()
        scoring += time.perf_counter() - start
    report = ""
    if profiler:
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(25)
        report = buffer.getvalue()
    queue.put({"read": read, "scoring": scoring, "profile": report, "scoring_peak_mb": peak_mb()})


def set_up(name: str, spec_text: str, students: int, folder: Path) -> dict[str, Any]:
    """Draw the papers, write the dry-run build and the simulated answers; kept in
    `folder`/setup.json so a second run with --keep grades the same class again."""
    saved = folder / "setup.json"
    if saved.is_file():
        setup: dict[str, Any] = json.loads(saved.read_text(encoding="utf-8"))
        if setup["students"] == students:
            return setup
    start = time.perf_counter()
    spec_path = folder / f"{name}.toml"
    folder.mkdir(parents=True, exist_ok=True)
    spec_path.write_text(spec_text, encoding="utf-8")
    spec = parse_spec(spec_text, path=str(spec_path))
    roster = parse_roster("id,name\n" + "".join(f"b{i:05},Student {i}\n" for i in range(students)))
    papers = list(stress_test(spec, roster, workers=os.cpu_count() or 1).papers)
    write_dry_run(spec, papers, folder / "built")
    cohort = closed_forms(papers) if name == "expressions" else simulate(papers, random.Random(1),
                                                                          expressions=False)
    cohort.write_csv(folder / "answers.csv")
    setup = {"students": students, "parts": sum(len(e.question.parts) for p in papers for e in p.entries),
             "expected": dict(Counter(e.status for e in cohort.expected.values())),
             "setup": time.perf_counter() - start}
    saved.write_text(json.dumps(setup), encoding="utf-8")
    return setup


def run_case(name: str, spec_text: str, students: int, work: Path, profile: bool,
             report: bool, workers: int | None = None) -> dict[str, Any]:
    folder = work / name
    setup = set_up(name, spec_text, students, folder)
    built, answers, expected = folder / "built", folder / "answers.csv", Counter(setup["expected"])
    spawn = multiprocessing.get_context("spawn")
    figures: dict[str, Any] = {"case": name, **setup}
    whole = (built, answers, folder / "grades", report, workers)
    runs: list[tuple[Any, tuple[Any, ...]]] = [(grade_whole, whole), (grade_parts, (built, answers, False))]
    if profile:  # a run of its own: cProfile slows the scoring it watches
        runs.append((grade_parts, (built, answers, True)))
    for i, (target, args) in enumerate(runs):
        queue = spawn.Queue()
        child = spawn.Process(target=target, args=(*args, queue))
        child.start()
        got = queue.get()
        child.join()
        figures |= {"profile": got["profile"]} if i == 2 else got
    if expected and figures["statuses"] != expected:
        raise SystemExit(f"{name}: graded statuses {dict(figures['statuses'])} differ from the "
                         f"simulation's {dict(expected)}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--expression-students", type=int, default=1_000)
    parser.add_argument("--region-students", type=int, default=1_000)
    parser.add_argument("--cases", default="mix,expressions,region")
    parser.add_argument("--profile", action="store_true", help="print where the scoring time goes")
    parser.add_argument("--report", action="store_true", help="also time the item-analysis report")
    parser.add_argument("--workers", type=int, help="grade_exam's workers (default: its own, every core)")
    parser.add_argument("--keep", help="write the cases here and keep them (default: a temporary folder)")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="dlexam-bench-grade-"))
    work.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()
    print(f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    sizes = {"mix": args.students, "expressions": args.expression_students, "region": args.region_students}
    specs = {"mix": MIX, "expressions": EXPRESSIONS, "region": REGION}
    rows, stages = [], []
    for name in args.cases.split(","):
        f = run_case(name, specs[name], sizes[name], work, args.profile, args.report, args.workers)
        rows.append(f"| {name} | {f['students']:,} | {f['parts']:,} | {f['seconds']:.1f} s | "
                    f"{f['parts'] / f['seconds']:,.0f} | {f['read']:.1f} s | {f['scoring']:.1f} s | "
                    f"{f['parts'] / f['scoring']:,.0f} | {f['peak_mb']:,.0f} MB | "
                    f"{f['worker_peak_mb']:,.0f} MB |")
        stages.append(f"| {name} | {f['first']:.1f} s | {f['seconds']:.1f} s | "
                      + " | ".join(f"{f['stages'].get(s, 0):.1f} s" for s in STAGES.values())
                      + f" | {f['cpu'][0]:.0f} s + {f['cpu'][1]:.0f} s |")
        print(f"{name}: set up in {f['setup']:.0f} s; rows read/used/refused {f['rows']}; "
              f"statuses {dict(f['statuses'])}"
              + (f"; item-analysis report {f['report']:.1f} s" if f["report"] is not None else ""))
        if f["profile"]:
            print(f["profile"])
    print("| case | students | parts | grade_exam | parts/s | reading | scoring | scored parts/s "
          "| peak memory | worker peak |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print("\n".join(rows))
    print()
    print("| case | first grading | regrade | " + " | ".join(STAGES.values()) + " | CPU main + workers |")
    print("| --- " * (len(STAGES) + 4) + "|")
    print("\n".join(stages))
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
