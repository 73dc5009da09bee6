"""The pager's name and the measure of what fits a terminal (archive_search/pager.py); paging
itself is tested through the command line in test_terminal_views.py."""

from __future__ import annotations

from archive_search.pager import DEFAULT_PAGER, fits, pager_command


def test_pager_command_from_the_environment():
    assert pager_command({}) == DEFAULT_PAGER.split() == ["less", "-FRX"]
    assert pager_command({"PAGER": "more -s"}) == ["more", "-s"]
    assert pager_command({"PAGER": "more", "ARCHIVE_SEARCH_PAGER": "less -S"}) == ["less", "-S"]
    for none in ({"PAGER": "cat"}, {"PAGER": ""}, {"ARCHIVE_SEARCH_PAGER": "", "PAGER": "less"}, {"PAGER": "  "}):
        assert pager_command(none) is None, none


def test_fits_counts_wrapped_lines_and_not_escapes():
    assert fits("a\nb\n", 80, 3) and not fits("a\nb\nc\n", 80, 3)
    assert not fits("x" * 161 + "\n", 80, 3) and fits("x" * 160 + "\n", 80, 3)
    assert fits("\x1b[1m" + "x" * 80 + "\x1b[0m\n", 80, 2)
    assert not fits("a\n", 80, None)  # an unknown height: less -F decides
