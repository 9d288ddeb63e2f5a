"""The roster: the CSV an LMS exports is read as it is; ids that would mix two students up
are refused, naming the lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlexam.exam import RosterError, parse_roster, read_roster

ROOT = Path(__file__).resolve().parents[2]


def test_the_bundled_roster_has_thirty_students_with_unique_ids() -> None:
    students = read_roster(ROOT / "examples" / "roster.csv")
    assert len(students) == 30 and len({s.id for s in students}) == 30
    assert all(s.name and s.extra["email"] for s in students)
    assert students[0].line == 2


def test_a_bom_spaces_blank_lines_extra_columns_and_semicolons_are_fine() -> None:
    text = "\ufeff Name ; ID ; room\n\n Ada Lovelace ; a1 ; H1 \n;;\nAlan Turing;a2;H2\n"
    students = parse_roster(text)
    assert [(s.id, s.name, s.line, dict(s.extra)) for s in students] == [
        ("a1", "Ada Lovelace", 3, {"room": "H1"}), ("a2", "Alan Turing", 5, {"room": "H2"})]


def test_tabs_and_first_and_last_name_columns_as_an_lms_exports_them() -> None:
    students = parse_roster("First name\tSurname\tID number\nAda\tLovelace\t17\n")
    assert students[0].id == "17" and students[0].name == "Ada Lovelace"


def test_quoted_fields_with_commas_keep_their_commas() -> None:
    assert parse_roster('id,name\n1,"Lovelace, Ada"\n')[0].name == "Lovelace, Ada"


def test_duplicate_and_empty_ids_are_refused_naming_every_line() -> None:
    with pytest.raises(RosterError) as caught:
        parse_roster("id,name\n1,A\n,B\n2,C\n1,D\n ,E\nS2,F\ns2,G\n", path="r.csv")
    message = str(caught.value)
    assert message.startswith("r.csv: empty id on lines 3, 6; duplicate id '1' on lines 2 and 5; "
                              "'s2' on lines 7 and 8")
    assert "\n" not in message


def test_ids_that_cannot_name_a_file_are_refused() -> None:
    with pytest.raises(RosterError, match=r"'a/b' on line 2"):
        parse_roster("id,name\na/b,A\n")


@pytest.mark.parametrize(("text", "fragment"), [
    ("", "the roster is empty"),
    ("\n\n", "the roster is empty"),
    ("student,who\n1,A\n", "must name an 'id' and a 'name' column"),
    ("id,name\n", "no students"),
])
def test_a_roster_without_header_or_students_says_what_to_write(text: str, fragment: str) -> None:
    with pytest.raises(RosterError, match=fragment):
        parse_roster(text)


def test_an_unreadable_or_non_utf8_roster_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RosterError, match="cannot read the roster"):
        read_roster(tmp_path / "nope.csv")
    path = tmp_path / "latin.csv"
    path.write_bytes("id,name\n1,J\xfcrgen\n".encode("latin-1"))
    with pytest.raises(RosterError, match="CSV UTF-8"):
        read_roster(path)


@given(st.lists(st.lists(st.text(alphabet='ab ,;"\n\t1é', max_size=6), max_size=4), max_size=6))
def test_any_csv_gives_students_with_unique_nonempty_ids_or_a_one_line_error(rows: list[list[str]]) -> None:
    text = "id,name\n" + "\n".join(",".join(r) for r in rows)
    try:
        students = parse_roster(text)
    except RosterError as e:
        assert "\n" not in str(e)
        return
    ids = [s.id.casefold() for s in students]
    assert all(ids) and len(set(ids)) == len(ids)
