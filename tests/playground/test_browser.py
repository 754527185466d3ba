"""The playground page in headless Chromium: typing a reply highlights the right span, a broken rule
shows its error at its line, the examples run, the explain trace shows the excusing exception."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _choose_starter(page: Any, name: str) -> None:
    value = page.eval_on_selector("#starter", f"s => [...s.options].find(o => o.text.startsWith('{name} ')).value")
    page.select_option("#starter", value)
    page.wait_for_function(f"document.querySelector('#tabs [aria-selected=true]').dataset.file.startsWith('{name}/')")
    page.wait_for_selector("#status.good", timeout=60_000)


def test_typing_a_reply_highlights_the_violation_at_its_span(page: Any, tmp_path: Path) -> None:
    page.click("#reply")
    page.keyboard.type("是的,但是我们绝对保证明天到货", delay=20)
    mark = page.wait_for_selector("#reply-backdrop mark[data-rules~=no_absolute_promise]", timeout=30_000)
    assert (mark.get_attribute("data-start"), mark.get_attribute("data-end"), mark.inner_text()) == ("7", "11", "绝对保证")
    assert "sev-error" in (mark.get_attribute("class") or "")
    but = page.query_selector("#reply-backdrop mark[data-rules~=yes_and_over_but]")
    assert but is not None and but.inner_text() == ",但是"
    # The highlight sits on the typed characters: the backdrop's text is the reply's text.
    assert page.inner_text("#reply-backdrop").strip() == page.input_value("#reply")
    assert page.inner_text("#rewrite") == "是的,同时我们会尽力确保明天到货"
    assert page.get_attribute("#trace details[data-rule=no_absolute_promise]", "data-verdict") == "fired"
    page.screenshot(path=str(tmp_path / "reply.png"))
    assert (tmp_path / "reply.png").stat().st_size > 10_000


def test_context_fields_change_the_verdict(page: Any) -> None:
    _choose_starter(page, "example")
    page.fill("#reply", "请问有什么可以帮您?")
    page.wait_for_selector("#trace details[data-rule=greet_first][data-verdict=not_matched]", timeout=30_000)
    page.select_option("#ctx-turn", "first")
    page.wait_for_selector("#trace details[data-rule=greet_first][data-verdict=fired]", timeout=30_000)
    assert "greet_first" in page.inner_text("#violations")
    assert page.inner_text("#rewrite") == "您好,请问有什么可以帮您?"


def test_explain_trace_names_the_exception_that_excused_a_match(page: Any) -> None:
    page.fill("#reply", "为了保证您的账户安全,请勿透露验证码")
    details = page.wait_for_selector("#trace details[data-rule=no_absolute_promise][data-verdict=excused]", timeout=30_000)
    text = details.inner_text()
    assert "removed “保证” 2..4: overlaps “为了保证” 0..4 of unless @promise_exceptions" in text
    assert page.inner_text("#violations").strip() == "no violations"


def test_an_unknown_list_is_marked_at_its_line_with_the_message(page: Any, tmp_path: Path) -> None:
    _choose_starter(page, "example")
    source = page.input_value("#source")
    line = source.splitlines().index("  when @absolute") + 1
    page.fill("#source", source.replace("  when @absolute", "  when @absolut"))
    marker = page.wait_for_selector(f"#gutter div.error[data-line='{line}']", timeout=30_000)
    assert "E203" in (marker.get_attribute("title") or "")
    assert len(page.query_selector_all("#gutter div.error")) == 1
    lens = page.inner_text(f"#source-backdrop .line.error[data-line='{line}'] .lens")
    assert "unknown list @absolut" in lens
    listed = page.inner_text("#diagnostics")
    assert f"example/pack.tact:{line}:8: error[E203]: unknown list @absolut" in listed and "did you mean @absolute" in listed
    assert "✗ 1 compile error" in page.inner_text("#status")
    assert "has-error" in (page.get_attribute("#tabs button[data-file='example/pack.tact']", "class") or "")
    page.click("#diagnostics li")  # jumps to the error
    page.screenshot(path=str(tmp_path / "unknown-list.png"))
    assert (tmp_path / "unknown-list.png").stat().st_size > 10_000
    page.fill("#source", source)  # fixed again: the markers go away
    page.wait_for_selector("#status.good", timeout=30_000)
    assert page.query_selector_all("#gutter div.error") == []


def test_a_missing_closing_brace_is_reported_at_the_end_of_the_file(page: Any) -> None:
    _choose_starter(page, "example")
    source = page.input_value("#source").rstrip()
    assert source.endswith("}")
    broken = source[:-1]
    page.fill("#source", broken)
    marker = page.wait_for_selector("#gutter div.error", timeout=30_000)
    assert int(marker.get_attribute("data-line") or 0) >= len(broken.splitlines()) - 1
    assert "E10" in page.inner_text("#diagnostics")


def test_run_examples_reports_passes_and_a_failing_example(page: Any) -> None:
    _choose_starter(page, "example")
    page.click("#run-tests")
    assert page.wait_for_selector("#test-summary", timeout=60_000).inner_text() == "5 passed, 0 failed"
    source = page.input_value("#source")
    page.fill("#source", source.replace('example good "这个我们不能保证"', 'example good "这个我们保证"'))
    page.wait_for_selector("#status.good", timeout=30_000)
    page.click("#run-tests")
    page.wait_for_function("document.querySelector('#test-summary')?.textContent === '4 passed, 1 failed'", timeout=60_000)
    assert "good example was flagged" in page.inner_text("#tests li.fail")
