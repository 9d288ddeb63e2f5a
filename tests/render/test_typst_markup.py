"""typst_markup: Markdown with LaTeX → Typst markup for the PDF path. Every topic and bank
text converts and the batch compiles; chosen LaTeX gives the intended Typst; bad LaTeX
fails with a clear LatexError; any text converts, and without math it always compiles
and prints as itself (no injection)."""

from __future__ import annotations

import functools
import re

import pypdfium2 as pdfium
import pytest
import typst
from hypothesis import given
from hypothesis import strategies as st

import dlexam
from dlexam.bank import load_bank
from dlexam.errors import DlexamError
from dlexam.model import Question
from dlexam.render.typst_markup import SUPPORTED_COMMANDS, LatexError, markup, math, typst_string

COMPILER = typst.Compiler()
PAGE = "#set page(width: 16cm, height: auto, margin: 1cm)\n"


def compile_pdf(body: str) -> bytes:
    """Compile a document; a failure shows Typst's diagnostic (the message alone lacks it)."""
    try:
        pdf = COMPILER.compile(input=(PAGE + body).encode(), format="pdf")
    except typst.TypstError as e:  # pragma: no cover - shown only when a test fails
        raise AssertionError(f"{e}\n{getattr(e, 'diagnostic', '')}") from None
    assert isinstance(pdf, bytes)
    return pdf


def pdf_text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    return "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def question_texts(q: Question) -> list[str]:
    """Every Markdown string a paper or key prints for a question."""
    out = [q.title, q.prompt]
    for p in q.parts:
        out += [p.prompt, *p.options, *(c.text for c in p.rubric)]
        if p.kind == "text":
            out.append(str(p.answer))
    out += [s for step in q.solution for s in (step.title, step.text)]
    return [t for t in out if t]


@functools.cache
def topic_texts(seeds: int) -> tuple[str, ...]:
    texts = {t for topic in dlexam.all_topics() for seed in range(seeds)
             for t in question_texts(dlexam.question(topic.id, seed=seed))}
    return tuple(sorted(texts))


@functools.cache
def bank_texts() -> tuple[str, ...]:
    return tuple(sorted({t for item in load_bank().items for t in question_texts(item.to_question())}))


# (1) Real texts -------------------------------------------------------------------------

def test_every_topic_text_for_200_seeds_converts_with_no_unknown_latex() -> None:
    for text in topic_texts(200):
        out = markup(text)
        assert "\\$" not in out, f"a $ of {text!r} was not read as math"


def test_every_bank_text_converts_and_every_dollar_is_math() -> None:
    for text in bank_texts():
        assert "\\$" not in markup(text), text


def test_all_topic_texts_of_seeds_0_to_49_and_the_bank_compile_as_one_document() -> None:
    texts = topic_texts(50) + bank_texts()
    pdf = compile_pdf("\n\n#line(length: 100%)\n\n".join(markup(t) for t in texts))
    assert pdf.startswith(b"%PDF")


def test_markup_works_inside_a_content_block_as_the_paper_uses_it() -> None:
    texts = topic_texts(3) + bank_texts()
    compile_pdf("".join(f"#block[{markup(t)}]\n#box[{markup(t)}]\n" for t in texts))


# (2) Spot checks: LaTeX → Typst ------------------------------------------------------------

@pytest.mark.parametrize("latex, typst_math", [
    (r"\frac{a}{b}", "frac(a, b)"),
    (r"\tfrac12 x", "inline(frac(1, 2)) x"),
    (r"\dfrac{\partial L}{\partial w}", "display(frac(∂ L, ∂ w))"),
    (r"\begin{bmatrix} 1 & -2 \\ 0.5 & 4 \end{bmatrix}", 'mat(delim: "[", 1, - 2; 0.5, 4)'),
    (r"\begin{pmatrix} a \\ b \end{pmatrix}", 'mat(delim: "(", a; b)'),
    (r"w_{11} x_{t-1} h_t", "w_(11) x_(t - 1) h_(t)"),
    (r"a^{(1)}_{2}", r"a_(2)^(\( 1 \))"),
    (r"x^23", "x^(2) 3"),
    (r"\mathrm{ReLU}(z)", r"upright(R e L U) \( z \)"),
    (r"\mathrm{ReLU}'(0)", r"upright(R e L U)' \( 0 \)"),
    (r"\mathrm{fan_{in}}", "upright(f a n_(i n))"),
    (r"\hat m_t", "hat(m)_(t)"),
    (r"\hat{y} \tilde x \bar z", "hat(y) tilde(x) macron(z)"),
    (r"ab", "a b"),
    (r"(a, b]", r"\( a \, b \]"),
    (r"a/b", r"a \/ b"),
    (r"\sum_{j=1}^{K} e^{z_j}", "∑_(j = 1)^(K) e^(z_(j))"),
    (r"\prod_k \max_{a'} Q", "∏_(k) max_(a') Q"),
    (r"\log \exp \tanh x", "log exp tanh x"),
    (r"\sigma \varepsilon \epsilon \phi \varphi", "σ ε ϵ ϕ φ"),
    (r"\cdot \times \le \ge \ne \approx \to \in", "⋅ × ≤ ≥ ≠ ≈ → ∈"),
    (r"\partial \nabla", "∂ ∇"),
    (r"\text{if } x > 0", '"if "x > 0'),
    (r"\text{out}[i] x \textit{a} b", r'"out"\[ i \] x#h(0pt);italic("a")b'),
    (r"\operatorname{mean}(x)", r'op("mean") \( x \)'),
    (r"\mathbf{1} \mathbb{E} \mathcal N", "bold(upright(1)) bb(E) cal(N)"),
    (r"\sqrt{2} \sqrt[3]{8}", "sqrt(2) root(3, 8)"),
    (r"\left\lfloor \frac{a}{s} \right\rfloor", "lr(⌊ frac(a, s) ⌋)"),
    (r"\left( x \right)", r"lr(\( x \))"),
    (r"\left. f \right|_0", r"lr(f \|)_(0)"),
    (r"\big( x \big)", r"lr(\(, size: #1.2em) x lr(\), size: #1.2em)"),
    (r"\|w\|", 'class("normal", ‖) w class("normal", ‖)'),
    (r"\lVert w \rVert", 'class("opening", ‖) w class("closing", ‖)'),
    (r"\{-1, 1\}", r"\{ - 1 \, 1 \}"),
    (r"a\,b\;c\quad d\qquad e\ f\!g", "a thin b thick c quad d wide e space f #h(-0.1667em); g"),
    (r"\begin{cases} 1 & x > 0 \\ 0 & \text{otherwise} \end{cases}", 'cases(1 & x > 0, 0 & "otherwise")'),
    (r"\begin{aligned} a &= b \\ &= c \end{aligned}", r"a & = b \ & = c"),
    (r"\sum\limits_i", "limits(∑)_(i)"),
    (r"{}^2 {a+b}^2", '""^(2) class("normal", a + b)^(2)'),
    (r"\binom{n}{k}", "binom(n, k)"),
    (r"C^\top", "C^(⊤)"),
    (r"10\,\%", r"10 thin \%"),
    (r'\text{a\_b "q"}', r'"a_b \"q\""'),
])
def test_latex_gives_the_intended_typst(latex: str, typst_math: str) -> None:
    assert math(latex) == f"${typst_math}$"


def test_display_math_has_the_spaces_that_make_typst_set_it_as_a_block() -> None:
    assert math(r"\frac12", display=True) == "$ frac(1, 2) $"
    assert markup("Use\n\n$$x^2$$\n\nper unit.") == "Use\n\n$ x^(2) $\n\nper unit."


def test_every_supported_command_and_the_spot_checks_compile() -> None:
    """Each command in the supported list, with arguments where it takes them."""
    args = {"frac": "{a}{b}", "tfrac": "{a}{b}", "dfrac": "{a}{b}", "cfrac": "{a}{b}", "binom": "{a}{b}",
            "tbinom": "{a}{b}", "dbinom": "{a}{b}", "overset": "{a}{=}", "underset": "{a}{=}",
            "stackrel": "{a}{=}", "left": "( x \\right)", "sqrt": "{x}"}
    skip = {"right", "middle", "begin", "end", "limits", "nolimits"}
    parts = []
    for name in sorted(SUPPORTED_COMMANDS - skip):
        tail = args.get(name, "{x}" if name in ("mathrm", "hat") else "")
        if name.startswith(("big", "Big")):
            tail = "("
        try:
            parts.append(math(f"\\{name}{tail} x"))
        except LatexError:  # commands taking an argument
            parts.append(math(f"\\{name}{{x}} y"))
    parts.append(math(r"\left( a \middle| b \right) \sum\nolimits_i \begin{Vmatrix} a \end{Vmatrix}"))
    compile_pdf(" ".join(parts))


# Errors -------------------------------------------------------------------------------------

@pytest.mark.parametrize("latex, says", [
    (r"\foo x", r"unknown LaTeX command \foo"),
    (r"\fracc{a}{b}", r"did you mean \frac?"),
    (r"\frac{a}", "without its argument"),
    (r"{a", "ends early"),
    (r"a}", "a } without its {"),
    (r"\left( a", r"\left without its \right"),
    (r"a \right)", r"\right without \left"),
    (r"\begin{foo} a \end{foo}", "unknown environment foo"),
    (r"\begin{bmatrix} a \end{pmatrix}", r"end it with \end{bmatrix}"),
    (r"x_1_2", "double subscript"),
    (r"a & b", "outside a matrix"),
    (r"\text{\foo}", r"a command inside \text"),
    (r"\text x", "without braces"),
    (r"\left\foo x \right)", "use a delimiter"),
    (r"\limits", "after no operator"),
])
def test_bad_latex_raises_a_one_line_error_naming_the_expression(latex: str, says: str) -> None:
    with pytest.raises(LatexError) as e:
        math(latex)
    message = str(e.value)
    assert says in message and f"${latex}$" in message and "\n" not in message
    assert isinstance(e.value, DlexamError)


def test_markup_passes_the_math_error_on_so_an_author_can_fix_the_item() -> None:
    with pytest.raises(LatexError, match=r"\\bogus"):
        markup(r"Compute $\bogus{x}$ please.")


# (2) Spot checks: Markdown → Typst ----------------------------------------------------------

@pytest.mark.parametrize("md, typst_markup", [
    ("**Forward.** *Backward.*", "#strong[Forward.]; #emph[Backward.];"),
    ("***both*** and **a *b* c**", "#emph[#strong[both];]; and #strong[a #emph[b]; c];"),
    ("2 * 3 * 4, a*b*c, **", r"2 \* 3 \* 4, a#emph[b];c, \*\*"),
    ("`x[0] = $1`", '#raw("x[0] = $1");'),
    ("`` a`b ``", '#raw("a`b");'),
    ("line one  \nline two\\\nthree\nfour", "line one\\ line two\\ three four"),
    ("weight_ih <s> #x @y [a] ~ // -- + =", r"weight\_ih \<s\> \#x \@y \[a\] \~ \/\/ \-\- \+ \="),
    (r"\*not italic\* \$5", r"\*not italic\* \$5"),
    ("costs $5 and $10", r"costs \$5 and \$10"),
    ("$x$ and $$y$$", "$x$ and $ y $"),
    ("- a\n- b *c*", "#list([a], [b #emph[c];]);"),
    ("1. a\n2. b", "#enum(start: 1, [a], [b]);"),
    ("3) a\n\n4) b", '#enum(start: 3, tight: false, numbering: "1)", [a], [b]);'),
    ("- a\n  - b\n- c", "#list([a\n\n#list([b]);], [c]);"),
    ("Steps:\n- one", "Steps:\n\n#list([one]);"),
    ("a\n2. b", "a 2. b"),
    ("1. CONV-1-10", r"#enum(start: 1, [CONV\-1\-10]);"),
    ("12. is a number", r"#enum(start: 12, [is a number]);"),
    ("```python\nprint(\"$x\")  # ok\n```", '#raw("print(\\"$x\\")  # ok", block: true, lang: "python");'),
    ("```\nunclosed", '#raw("unclosed", block: true);'),
    ("| $i$ | b |\n|---|:-:|\n| 1 | `a|b` |\n| 2 |",
     '#table(columns: 2, align: (auto, center,), table.header([$i$], [b]), [1], [#raw("a|b");], [2], []);'),
    ("| $|x|$ | y |\n|--|--|",
     r'#table(columns: 2, align: (auto, auto,), table.header([$class("normal", \|) x class("normal", \|)$], '
     r'[y]));'),
    ("", ""),
])
def test_markdown_gives_the_intended_typst(md: str, typst_markup: str) -> None:
    assert markup(md) == typst_markup


def test_a_paragraph_that_only_looks_like_a_list_item_after_escaping_stays_text() -> None:
    assert markup("**1.** first") == r"#strong[1\.]; first"
    assert markup("3.5 is the answer") == "3.5 is the answer"


def test_typst_string_escapes_quotes_backslashes_and_control_characters() -> None:
    assert typst_string('a"b\\c\nd\x00') == r'"a\"b\\c\nd\u{0}"'


def test_the_spot_checks_compile_and_print_the_words_they_hold() -> None:
    md = ("**Forward.** $z_1 = w_{11}x_1$, so $a_1 = \\mathrm{ReLU}(0.1)$.  \n"
          "*Convention:* see `loss.py`.\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
          "```python\nx = [1]\n```")
    text = pdf_text(compile_pdf(markup(md)))
    for words in ("Forward.", "so", "ReLU", "Convention:", "loss.py", "one", "two", "x = [1]"):
        assert words in text


# (3) Any text ----------------------------------------------------------------------------

SPECIAL = "#$*_@<>[]`~/\\-+=:;()'\"|{}.,!?%&^ \n\t1aé"
any_text = st.text(st.sampled_from(list(SPECIAL)) | st.characters(codec="utf-8"), max_size=80)


@given(any_text)
def test_any_text_converts_or_raises_only_the_documented_latex_error(text: str) -> None:
    try:
        assert isinstance(markup(text), str)
    except LatexError:
        pass


@given(st.lists(any_text.map(lambda t: t.replace("$", "")), min_size=1, max_size=8))
def test_any_text_without_math_compiles_alone_and_inside_a_content_block(texts: list[str]) -> None:
    out = [markup(t) for t in texts]
    compile_pdf("\n\n".join(out) + "\n\n" + "".join(f"#block[{o}]" for o in out))


PLAIN = st.text(st.sampled_from(list("#@<>[]~/-+=:;()|{}%&^!?,_ aZé1")), min_size=1, max_size=40)


@given(PLAIN.filter(lambda t: not re.match(r"\s*([-+]|\d+[.)])(\s|$)", t) and "..." not in t))
def test_prose_with_typst_syntax_prints_as_itself(text: str) -> None:
    """Nothing in the text is read as Typst: the PDF holds the same characters."""
    printed = pdf_text(compile_pdf(markup(text)))
    assert re.sub(r"\s", "", printed) == re.sub(r"\s", "", text)


LEAF = st.sampled_from(["x", "y_1", "2", "0.5", r"\alpha", r"\partial L", r"\mathrm{ReLU}", r"\text{a b}",
                        "(", ")", "[", "]", ",", "|", r"\|", "/", "-", "=", r"\cdot", r"\sum_{i}",
                        r"\max_{a'}", r"\hat m_t", r"\,", r"\quad", r"\{", r"\}", "a'", r"\ldots", r"\top"])


def _wrap(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    two = st.tuples(inner, inner)
    return st.one_of(
        two.map(lambda ab: rf"\frac{{{ab[0]}}}{{{ab[1]}}}"),
        inner.map(lambda a: rf"\sqrt{{{a}}}"), inner.map(lambda a: f"{{{a}}}^{{{a}}}"),
        inner.map(lambda a: rf"x_{{{a}}}"), inner.map(lambda a: rf"\left( {a} \right)"),
        inner.map(lambda a: rf"\left. {a} \right|"), inner.map(lambda a: rf"\hat{{{a}}}"),
        inner.map(lambda a: rf"\mathrm{{{a}}}"), inner.map(lambda a: rf"\big( {a} \big)"),
        two.map(lambda ab: rf"\begin{{bmatrix}} {ab[0]} & {ab[1]} \\ {ab[1]} & \end{{bmatrix}}"),
        two.map(lambda ab: rf"\begin{{cases}} {ab[0]} & {ab[1]} \\ {ab[1]} \end{{cases}}"),
        two.map(lambda ab: rf"\begin{{aligned}} {ab[0]} &= {ab[1]} \\ \\ \end{{aligned}}"),
        st.lists(inner, min_size=2, max_size=4).map(" ".join),
        inner.map(lambda a: rf"\displaystyle {a}"),
    )


LATEX = st.recursive(LEAF, _wrap, max_leaves=12)


@given(st.lists(LATEX, min_size=1, max_size=6), st.booleans())
def test_any_expression_of_supported_latex_converts_and_compiles(exprs: list[str], lines: bool) -> None:
    if lines:  # \\ at the top level breaks the line
        exprs = [rf"\\ {e} \\ {e} \\" for e in exprs]
    inline = " ".join(math(e) for e in exprs)
    display = "\n\n".join(math(e, display=True) for e in exprs)
    compile_pdf(f"{inline}\n\n{display}\n\n#block[{inline}]")
