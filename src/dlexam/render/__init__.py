"""Renderers: the model in, documents out. A Question as Markdown; a student's Paper as
PDF (Typst), HTML (MathML, no CDN) and Markdown, each as paper or key; the exam's Pools as
Moodle XML and Canvas QTI; figures as SVG shared by the PDF and the HTML."""

from .figures import figure
from .html import paper_html
from .markdown import answer_text, item_to_markdown, paper_markdown, to_markdown
from .moodle import moodle_xml
from .pdf import key_pdf, paper_pdf, ta_key_pdf
from .qti import qti_zip

__all__ = [
    "answer_text",
    "figure",
    "item_to_markdown",
    "key_pdf",
    "moodle_xml",
    "paper_html",
    "paper_markdown",
    "paper_pdf",
    "qti_zip",
    "ta_key_pdf",
    "to_markdown",
]
