"""Build the bundled midterm for N students (papers, keys, HTML, Markdown, TA key, manifest).

    python benchmarks/bench_build.py [--students 1000] [--workers 2] [--out /tmp/dlexam-bench]

Prints the wall time of the whole build and of its stress test, and the peak resident
memory of the main process and of the largest worker (the issue's budget: 1,000 papers
and keys in ≤ 60 s on 2 cores, ≤ 1 GB).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import tempfile
import time
from pathlib import Path

from dlexam.exam.build import build
from dlexam.examples import example_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", default=None, help="where to build (default: a temporary folder, removed)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dlexam-bench-"))
    roster = work / "roster.csv"
    roster.write_text("id,name\n" + "".join(f"b{i:05},Student {i}\n" for i in range(args.students)),
                      encoding="utf-8")
    out = Path(args.out) if args.out else work / "out"
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    start = time.perf_counter()
    result = build(example_path("midterm.toml"), roster=roster, out=out, workers=args.workers)
    seconds = time.perf_counter() - start
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    size_mb = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 1e6
    print(f"{args.students} students, {args.workers} workers: {seconds:.1f} s in all "
          f"(stress test {result.report.seconds:.1f} s), {result.files} files, {size_mb:.0f} MB")
    print(f"peak memory: main process {self_mb:.0f} MB, largest worker {child_mb:.0f} MB")
    if not args.out:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
