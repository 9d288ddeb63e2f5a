"""`python -m dlexam.bank check [FILE ...]`: every problem in the bank's files, or a count."""

import sys
from pathlib import Path

from ._bank import builtin_files, check_files


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "check":
        print("usage: python -m dlexam.bank check [FILE ...]", file=sys.stderr)
        return 2
    paths = builtin_files() + [Path(a) for a in argv[1:]]
    found, count = check_files(paths)
    for line in found:
        print(line)
    if not found:
        print(f"{count} items OK in {len(paths)} files")
    return 1 if found else 0


sys.exit(main(sys.argv[1:]))
