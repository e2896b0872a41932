"""grader.tables: what the class summary and the benchmark report print."""

from __future__ import annotations

from grader.tables import text_table


def test_a_table_has_its_header_a_rule_and_a_line_a_row_in_plain_text():
    text = text_table(
        ["student", "lab1", "failed checks"],
        [["ann", "4/4", "-"], ["bo", "2/4", "lab1:push, lab1:pull"]],
    )
    lines = text.splitlines()
    assert len(lines) == 4
    assert lines[0].split() == ["student", "lab1", "failed", "checks"]
    assert set(lines[1].replace(" ", "")) <= set("─━-")  # the rule
    assert lines[2].split() == ["ann", "4/4", "-"]
    assert lines[3].split() == ["bo", "2/4", "lab1:push,", "lab1:pull"]
    assert "\x1b[" not in text  # no colour codes in a file or a pipe


def test_columns_line_up():
    text = text_table(["a", "b"], [["a-much-longer-cell", "x"], ["s", "y"]])
    rows = text.splitlines()[2:]
    assert rows[0].index("x") == rows[1].index("y")


def test_a_very_long_cell_is_kept_whole():
    long = ", ".join(f"lab{i}:check{i}" for i in range(40))
    text = text_table(["student", "failed checks"], [["ann", long]])
    assert "".join(text.split()).count("lab39:check39") == 1
    assert all(f"lab{i}:check{i}" in "".join(text.split()) for i in range(40))
