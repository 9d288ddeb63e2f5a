"""The tables of the LaTeX → Typst printer (`_latex_to_typst`): which symbol, operator,
accent, font, space, delimiter size and environment each LaTeX command becomes."""

from __future__ import annotations

__all__ = ["ACCENTS", "BAR", "DBAR", "DELIMS", "ENVS", "FONTS", "LARGE_OPS", "NAMED_OPS", "SIZES", "SPACES",
           "SYMBOLS"]

# | and ‖ print as ordinary symbols, as in LaTeX (Typst would space them as relations).
BAR, DBAR = 'class("normal", \\|)', 'class("normal", ‖)'
_GREEK = dict(zip(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi varpi "
    "rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma "
    "Upsilon Phi Psi Omega".split(), "αβγδϵεζηθϑικλμνξπϖρϱσςτυϕφχψωΓΔΘΛΞΠΣΥΦΨΩ", strict=True))
SYMBOLS: dict[str, str] = _GREEK | {
    "cdot": "⋅", "times": "×", "div": "÷", "pm": "±", "mp": "∓", "ast": "∗", "star": "⋆", "circ": "∘",
    "bullet": "∙", "odot": "⊙", "oplus": "⊕", "otimes": "⊗", "ominus": "⊖", "cap": "∩", "cup": "∪",
    "setminus": "∖", "wedge": "∧", "land": "∧", "vee": "∨", "lor": "∨", "neg": "¬", "lnot": "¬",
    "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "approx": "≈", "sim": "∼",
    "simeq": "≃", "cong": "≅", "equiv": "≡", "propto": "∝", "ll": "≪", "gg": "≫", "subset": "⊂",
    "subseteq": "⊆", "supset": "⊃", "supseteq": "⊇", "in": "∈", "notin": "∉", "ni": "∋", "mid": "∣",
    "parallel": "∥", "perp": "⟂", "coloneqq": "≔", "to": "→", "rightarrow": "→", "leftarrow": "←",
    "gets": "←", "leftrightarrow": "↔", "Rightarrow": "⇒", "Leftarrow": "⇐", "Leftrightarrow": "⇔",
    "implies": "⟹", "impliedby": "⟸", "iff": "⟺", "mapsto": "↦", "longrightarrow": "⟶",
    "longleftarrow": "⟵", "uparrow": "↑", "downarrow": "↓", "partial": "∂", "nabla": "∇", "infty": "∞",
    "ell": "ℓ", "hbar": "ℏ", "forall": "∀", "exists": "∃", "emptyset": "∅", "varnothing": "∅", "top": "⊤",
    "bot": "⊥", "prime": "′", "dagger": "†", "angle": "∠", "ldots": "…", "dots": "…", "cdots": "⋯",
    "vdots": "⋮", "ddots": "⋱", "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉", "langle": "⟨",
    "rangle": "⟩", "vert": BAR, "Vert": DBAR, "lvert": 'class("opening", \\|)',
    "rvert": 'class("closing", \\|)', "lVert": 'class("opening", ‖)', "rVert": 'class("closing", ‖)',
    "lbrace": r"\{", "rbrace": r"\}", "aleph": "ℵ", "Re": "ℜ", "Im": "ℑ", "checkmark": "✓",
}
NAMED_OPS: dict[str, str] = {n: n for n in (
    "arccos arcsin arctan arg cos cosh cot coth csc deg det dim exp gcd hom inf ker lg lim liminf limsup ln "
    "log max min Pr sec sin sinh sup tan tanh").split()} | {"bmod": "mod"}
LARGE_OPS = {"sum": "∑", "prod": "∏", "coprod": "∐", "int": "∫", "iint": "∬", "iiint": "∭", "oint": "∮",
             "bigcup": "⋃", "bigcap": "⋂", "bigoplus": "⨁", "bigotimes": "⨂", "bigvee": "⋁", "bigwedge": "⋀"}
ACCENTS = {"hat": "hat", "widehat": "hat", "tilde": "tilde", "widetilde": "tilde", "bar": "macron",
           "overline": "overline", "underline": "underline", "vec": "arrow", "dot": "dot",
           "ddot": "dot.double", "check": "caron", "breve": "breve", "acute": "acute", "grave": "grave",
           "mathring": "circle"}
FONTS = {"mathrm": "upright({})", "mathbf": "bold(upright({}))", "boldsymbol": "bold({})", "bm": "bold({})",
         "mathbb": "bb({})", "mathcal": "cal({})", "mathit": "italic({})", "mathsf": "sans({})",
         "mathtt": "mono({})", "mathfrak": "frak({})"}
SPACES = {"quad": "quad", "qquad": "wide", "enspace": "space.en", "thinspace": "thin", "medspace": "med",
          "thickspace": "thick", "negthinspace": "#h(-0.1667em);"}
SIZES = {f"{size}{side}": height for size, height in
         (("big", "1.2em"), ("Big", "1.8em"), ("bigg", "2.4em"), ("Bigg", "3em"))
         for side in ("", "l", "r", "m")}
DELIMS = {"(": r"\(", ")": r"\)", "[": r"\[", "]": r"\]", "|": r"\|", "<": "⟨", ">": "⟩", "/": r"\/",
          "\\|": "‖", "\\{": r"\{", "\\}": r"\}", "\\lvert": r"\|", "\\rvert": r"\|", "\\vert": r"\|",
          "\\lVert": "‖", "\\rVert": "‖", "\\Vert": "‖"} | {
          "\\" + name: SYMBOLS[name] for name in ("lfloor", "rfloor", "lceil", "rceil", "langle", "rangle",
                                                  "lbrace", "rbrace")}
#: environment → (how it prints, the matrix delimiter)
ENVS = {"matrix": ("mat", "#none"), "smallmatrix": ("mat", "#none"), "array": ("mat", "#none"),
        "pmatrix": ("mat", '"("'), "bmatrix": ("mat", '"["'), "Bmatrix": ("mat", '"{"'),
        "vmatrix": ("mat", '"|"'), "Vmatrix": ("mat", '"‖"'), "cases": ("cases", "")} | {
        name: ("lines", "") for name in ("aligned", "align", "align*", "gathered", "gather", "gather*",
                                         "split", "equation", "equation*")}
