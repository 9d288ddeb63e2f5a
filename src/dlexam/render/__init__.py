"""Renderers: the model in, documents out. Markdown for now; PDF and HTML follow."""

from .markdown import answer_text, to_markdown

__all__ = ["answer_text", "to_markdown"]
