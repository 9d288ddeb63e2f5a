"""The built-in bank loads, covers every concept theme of TOPICS.md, and searches as a user expects."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlexam.bank import KINDS, LEVELS, THEMES, BankError, load_bank
from dlexam.bank._bank import builtin_files, check_files

# the concept themes listed in shared/TOPICS.md ("Concept items"), word for word
TOPICS_MD_THEMES = [
    "learning paradigms", "universal approximation", "bias and variance", "regularisation",
    "dropout and batch norm", "activations and vanishing gradients", "optimisers and second-order methods",
    "data splits and data mismatch", "augmentation", "hyper-parameter search", "CNN design",
    "transposed convolutions", "RNN/LSTM gradients", "VAEs", "GANs and WGAN-GP", "Grad-CAM",
    "reinforcement learning", "graph networks", "PyTorch autograd and memory pitfalls",
]

BANK = load_bank()

ITEM = '''
[[items]]
id = "{theme}.{slug}"
kind = "true_false"
level = "beginner"
tags = ["demo"]
text = "Dropout is active in eval mode."
answer = false
explanation = "model.eval() turns dropout into the identity."
'''


def write(folder: Path, theme: str, *slugs: str, title: str = "Mine") -> Path:
    path = folder / f"{theme}.toml"
    body = "".join(ITEM.format(theme=theme, slug=s) for s in slugs)
    path.write_text(f'theme = "{theme}"\ntitle = "{title}"\n{body}', encoding="utf-8")
    return path


def test_the_built_in_files_have_no_problems() -> None:
    found, count = check_files(builtin_files())
    assert found == [] and count == len(BANK)


def test_the_bank_holds_at_least_200_items() -> None:
    assert len(BANK) >= 200


def test_every_concept_theme_of_topics_md_has_a_file_and_nothing_else_does() -> None:
    assert sorted(THEMES.values()) == sorted(TOPICS_MD_THEMES)
    assert sorted(BANK.titles) == sorted(THEMES)


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_every_theme_has_items_at_two_levels_or_more(theme: str) -> None:
    levels = {i.level for i in BANK.search(theme=theme)}
    assert len(levels) >= 2, (theme, levels)


def test_the_bank_has_every_kind_at_every_level() -> None:
    assert {(i.kind, i.level) for i in BANK} == {(k, lv) for k in KINDS for lv in LEVELS}


def test_short_answers_carry_rubric_points_that_sum_to_their_marks() -> None:
    shorts = BANK.search(kind="short")
    assert shorts and all(sum(r.points for r in i.rubric) == i.marks for i in shorts)


def test_choice_keys_are_spread_over_the_letters() -> None:
    keys = [i.answer for i in BANK.search(kind="single")]
    assert max(keys.count(k) for k in set(keys)) <= 0.5 * len(keys)


def test_search_combines_words_tags_level_and_kind() -> None:
    item = next(iter(BANK))
    found = BANK.search([item.text.split()[0]], tags=[item.tags[-1]], level=item.level, kind=item.kind)
    assert item in found
    assert all(item.tags[-1] in i.tags and i.level == item.level and i.kind == item.kind for i in found)


def test_search_words_are_case_insensitive_and_must_all_match() -> None:
    assert BANK.search(["DROPOUT"]) == BANK.search(["dropout"])
    assert BANK.search(["dropout", "zzz-not-a-word"]) == []


def test_an_unknown_level_or_theme_is_refused_naming_the_choices() -> None:
    with pytest.raises(BankError, match="--level must be one of beginner"):
        BANK.search(level="expert")
    with pytest.raises(BankError, match="--theme must be one of"):
        BANK.search(theme="nope")


def test_an_unknown_id_suggests_the_closest() -> None:
    item = next(iter(BANK))
    with pytest.raises(BankError, match=f"did you mean '{item.id}'"):
        BANK.get(item.id + "x")


def test_an_instructors_own_file_loads_beside_the_built_in_items(tmp_path: Path) -> None:
    bank = load_bank(extra=[write(tmp_path, "my_course", "first", "second")])
    assert len(bank) == len(BANK) + 2 and bank.get("my_course.second").theme == "my_course"


def test_an_id_used_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BankError, match=r"'my_course\.twice' appears twice"):
        load_bank(extra=[write(tmp_path, "my_course", "twice", "twice")])


def test_a_file_reusing_a_built_in_theme_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BankError, match="theme 'gan' is defined by two files"):
        load_bank(extra=[write(tmp_path, "gan", "mine")])


def test_a_theme_that_is_not_the_file_name_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "my_course", "x")
    path.rename(tmp_path / "other.toml")
    with pytest.raises(BankError, match=r"'theme' must be the file name without .toml \('other'\)"):
        load_bank(extra=[tmp_path / "other.toml"])


def test_broken_toml_names_the_file_and_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('theme = "broken"\ntitle = \n', encoding="utf-8")
    with pytest.raises(BankError, match=r"broken.toml: not valid TOML: .*line 2"):
        load_bank(extra=[path])


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(BankError, match="cannot read the file"):
        load_bank(extra=[tmp_path / "absent.toml"])


def test_check_files_lists_every_problem_at_once(tmp_path: Path) -> None:
    a = write(tmp_path, "first", "x")
    a.write_text(a.read_text().replace('level = "beginner"', 'level = "easy"'))
    b = tmp_path / "second.toml"
    b.write_text("no toml here", encoding="utf-8")
    found, _ = check_files([a, b])
    assert len(found) == 2 and "'level' must be one of" in found[0] and "second.toml" in found[1]
