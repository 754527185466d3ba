"""The layout rules of tactful.lang.layout on small inputs: generic, lossless, idempotent."""

from __future__ import annotations

import pytest

from tactful.lang.grammar import grammar_text
from tactful.lang.layout import format_text


def fmt(text: str, width: int = 140) -> str:
    out, diags = format_text(text, "t.tact", width)
    assert out is not None, diags
    assert format_text(out, "t.tact", width)[0] == out, "not idempotent"
    return out


def test_one_statement_per_line_by_the_parse_tree_not_by_keyword() -> None:
    assert fmt('pack "x" { version "1" locale en extends "common" }') == 'pack "x" {\n  version "1"\n  locale en\n  extends "common"\n}\n'


def test_a_break_inside_a_statement_is_kept_as_a_continuation_line() -> None:
    src = "rule r {\nwhen @a\n          or @b\n   and @c unless in s\n}\n"
    assert fmt(src) == "rule r {\n  when @a\n    or @b\n    and @c\n  unless in s\n}\n"


def test_blank_lines_are_kept_up_to_one_but_not_at_block_edges() -> None:
    src = 'rule r {\n\n\n  category rude\n\n\n\n  severity info\n\n}\n\n\n\nlist a = ["x"]\n'
    assert fmt(src) == 'rule r {\n  category rude\n\n  severity info\n}\n\nlist a = ["x"]\n'


def test_strings_and_regexes_are_copied_verbatim() -> None:
    src = 'rule r { message  "a  \\"b\\"  #not a comment"  when /x  y\\/z/i }'
    assert fmt(src) == 'rule r {\n  message "a  \\"b\\"  #not a comment"\n  when /x  y\\/z/i\n}\n'


def test_an_author_expanded_list_keeps_its_groups_and_wraps_only_what_overflows() -> None:
    src = 'list a = [\n  "aaaa", "bbbb",\n  "cccc", "dddd", "eeee", "ffff",\n]\n'
    assert fmt(src, width=25) == 'list a = [\n  "aaaa", "bbbb",\n  "cccc", "dddd", "eeee",\n  "ffff",\n]\n'
    assert fmt('list a = ["aaaa", "bbbb"]\n', width=25) == 'list a = ["aaaa", "bbbb"]\n'


def test_a_list_inside_an_expression_is_left_on_its_line() -> None:
    # breaking a list in the middle of a condition reads worse than a long line; the author breaks those
    src = 'rule r {\n  when ["aaaa", "bbbb", "cccc"] near @x within 3\n}\n'
    assert fmt(src, width=30) == src


def test_call_parentheses_are_tight_grouping_ones_are_not() -> None:
    out = fmt("rule r { when count ( @a ) >= 2 and not( @b or @c ) }")
    assert "when count(@a) >= 2 and not (@b or @c)" in out


def test_comments_only_and_empty_files() -> None:
    assert fmt("") == ""
    assert fmt("   # a\n\n\n# b   \n") == "# a\n\n# b\n"


@pytest.mark.parametrize("broken", ['list a = ["x"', "rule r { when }", 'list a = ["x]\n'])
def test_syntax_errors_come_back_as_diagnostics(broken: str) -> None:
    out, diags = format_text(broken, "t.tact")
    assert out is None
    assert diags and diags[0].code.startswith("E1")
    assert diags[0].span is not None and diags[0].span.path == "t.tact"


def test_a_construct_the_formatter_has_never_seen_is_laid_out_by_the_generic_rules() -> None:
    # A grammar grown the way engineers are growing it: a new top-level block with its own
    # statements, a new call-like condition and a new list form. The layout code names none of it.
    grammar = grammar_text().replace(
        "_item: pack_decl",
        "_item: conversation_decl\n     | pack_decl",
    ) + (
        '\nconversation_decl: "conversation" NAME "{" conv_stmt* "}"\n'
        'conv_stmt: "window" INT "turns"             -> c_window\n'
        '         | "flag" "when" expr                -> c_flag\n'
        '         | "labels" "=" "[" NAME ("," NAME)* "]" -> c_labels\n'
        '         | "limit" "(" INT ")"               -> c_limit\n'
    )
    squashed = "conversation  escalation{window 3 turns flag when (@a or @b)and customer @c labels=[x,y ,z]limit ( 2 )}"
    out, diags = format_text(squashed, "t.tact", grammar=grammar)
    assert diags == []
    assert out == (
        "conversation escalation {\n  window 3 turns\n  flag when (@a or @b) and customer @c\n  labels = [x, y, z]\n  limit(2)\n}\n"
    )
    assert format_text(out, "t.tact", grammar=grammar)[0] == out
    # and it is lossless there too: a comment between any two tokens survives
    commented = out.replace("turns", "turns  # per reply").replace("[x, y", "[x,  # first\n y")
    again, _ = format_text(commented, "t.tact", grammar=grammar)
    assert again is not None and "3 turns  # per reply\n" in again and "# first\n" in again
