"""The bundled example: a complete deep-learning midterm (`midterm.toml`, every topic
family, concept items, a bonus question) and a 30-student roster (`roster.csv`).
`dlexam demo` builds it; the repository shows the same files under `examples/`."""

from importlib import resources
from pathlib import Path

__all__ = ["example_path"]


def example_path(name: str) -> Path:
    """The installed path of an example file, e.g. example_path("midterm.toml")."""
    return Path(str(resources.files(__name__) / name))
