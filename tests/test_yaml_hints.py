"""YAML mistakes authors make get a located hint: a '#' that silently cuts a value short is a
warning, and the two most common syntax errors say how to quote."""
from __future__ import annotations

import pytest

from conftest import run_cli
from evidence_explorer.content.yaml_hints import commented_value_lines


@pytest.mark.parametrize("line, cut", [
    ("title: Integrated care #1 priority for the NHS", True),
    ("  - focus: Care #2", True),
    ("title: Care for all #NHS", True),
    ("status: agreed # agreed at the March meeting", False),  # a deliberate comment
    ("year: 2020  # approximate", False),
    ('title: "Integrated care #1 priority"', False),
    ("title: 'Integrated care #1'", False),
    ("title:  # required. Title of the study.", False),  # the scaffold's own comments
    ("# title: a commented-out line #1", False),
    ("url: https://example.org/page#section", False),  # no space before '#': part of the value
    ("title: C#", False),
])
def test_commented_values_found(line, cut):
    assert bool(commented_value_lines(line)) is cut


def test_a_cut_value_is_a_located_warning(make_site):
    content = make_site({"papers/p1.md": """
        ---
        title: Integrated care #1 priority for the NHS
        authors: [Smith J]
        year: 2020 # first published online
        ---
        """})
    run = run_cli("check", "--content", "content", cwd=content.parent)
    assert run.code == 0
    assert ("content/papers/p1.md:2: warning: '#' here starts a YAML comment, so the rest of "
                            "the line is not part of the value: put the value in double quotes if the '#' "
                            "belongs to it [yaml.comment-in-value]") in run.lines
    assert len([line for line in run.lines if "yaml.comment-in-value" in line]) == 1
    assert run_cli("check", "--strict", "--content", "content", cwd=content.parent).code == 1  # warnings fail


@pytest.mark.parametrize("title, fix", [
    ("Care: what works", "put the whole value in double quotes"),
    ("'Patients' views of care'", "write an apostrophe twice"),
])
def test_syntax_errors_say_how_to_quote(make_site, title, fix):
    content = make_site({"papers/p1.md": f"---\ntitle: {title}\nauthors: [Smith J]\nyear: 2020\n---\n"})
    run = run_cli("check", "--content", "content", cwd=content.parent)
    assert run.code == 1
    assert run.lines[0].startswith("content/papers/p1.md:2: error: YAML syntax error: ") and fix in run.lines[0], run.err


@pytest.mark.parametrize("quote", ['"', "'"])
def test_an_unclosed_quote_is_reported_where_it_opened(make_site, quote):
    """PyYAML reads an unclosed quoted value on to the end of the front matter and names that line;
    the error names the line where the quote opened."""
    content = make_site({"papers/p1.md": f"---\nauthors: [Smith J]\ntitle: {quote}Community care\nyear: 2020\n"
                                         "design: qualitative\n---\nBody.\n"})
    run = run_cli("check", "--content", "content", cwd=content.parent)
    assert run.code == 1
    assert run.lines[0].startswith("content/papers/p1.md:3: error: YAML syntax error: a quoted value that starts "
                                   "on this line is never closed"), run.err


@pytest.mark.parametrize("value, what, closing", [("[Smith J, Doe K", "list", "]"), ("{given: J, family: Smith", "mapping", "}")])
def test_an_unclosed_bracket_is_reported_where_it_opened(make_site, value, what, closing):
    """A list or mapping not closed on its line: PyYAML names the next line (the next key, where it
    expected ',' or the closing bracket), with libyaml's and the pure-Python parser's own words; the
    error names the line where the bracket opened."""
    content = make_site({"papers/p1.md": f"---\ntitle: Community care\nauthors: {value}\nyear: 2020\n---\nBody.\n"})
    run = run_cli("check", "--content", "content", cwd=content.parent)
    assert run.code == 1
    assert run.lines[0].startswith(f"content/papers/p1.md:3: error: YAML syntax error: a {what} that opens with "), run.err
    assert f"on line 4 YAML still expected ',' or '{closing}'; close the {what} with '{closing}'" in run.lines[0], run.err


def test_a_list_over_several_lines_with_another_mistake_keeps_the_parsers_words(make_site):
    """A list written over several lines that is closed, but holds a mistake on a later line, is not
    called unclosed wrongly: only a bracket still open at the next key is."""
    content = make_site({"papers/p1.md": "---\ntitle: Community care\nauthors: [Smith J,\n  Doe K]]\n"
                                         "year: 2020\n---\nBody.\n"})
    run = run_cli("check", "--content", "content", cwd=content.parent)
    assert run.code == 1 and "YAML syntax error" in run.lines[0], run.err
    assert "opens with" not in run.lines[0], run.err
