"""Renderers: the model in, documents out. Markdown for now; PDF and HTML follow."""

from .figures import figure
from .markdown import answer_text, item_to_markdown, to_markdown

__all__ = ["answer_text", "figure", "item_to_markdown", "to_markdown"]
