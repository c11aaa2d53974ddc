"""The preview page in a real browser: headless Chromium (Debian's ``chromium`` package, which
``.ci/run`` installs) driven by Playwright. No console errors, no network requests, the tag filter and
the search show exactly the right cards, readable at phone width in dark mode. Screenshots are saved
in the test's temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from conftest import REPO, run, write_deck
from rcc_cards import preview, project, tags

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As the machine's own probe starts Chromium: this sandbox has no network, so background services are off.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def _expected(tag: str) -> list[str]:
    """The cards of every deck under decks/ (the page shows them all) that the tag filter keeps."""
    entries = [e for deck in project.load([REPO / "decks"]).decks for e in preview.entries(deck, deck.cards())]
    return sorted(f"{e.card.id}:{e.ord}" for e in entries if tags.selected(e.tags, [tag], []))


def _all_cards() -> int:
    """The cards of every deck the page shows (whatever decks are under decks/)."""
    return sum(len(preview.entries(deck, deck.cards())) for deck in project.load([REPO / "decks"]).decks)


def _visible(page: Page) -> list[str]:
    script = "els => els.map(e => e.dataset.card + ':' + e.dataset.ord)"
    return sorted(page.eval_on_selector_all(".pv-entry:not([hidden])", script))


def test_preview_page_in_headless_chromium(tmp_path: Path) -> None:
    page_file = tmp_path / "preview.html"
    assert run(["preview", "-o", str(page_file)], cwd=REPO).exit_code == 0
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("request", lambda r: None if r.url.startswith(("file:", "data:")) else problems.append(r.url))
            page.goto(page_file.as_uri())
            total = _all_cards()
            assert page.locator(".pv-entry").count() == total
            for tag in ("topic::dosing", "rcc::stage_iv::cytokine_therapy::interleukin_2", "rcc"):
                page.select_option("#pv-tag", tag.casefold())
                assert _visible(page) == _expected(tag), tag
                assert page.inner_text("#pv-shown") == str(len(_expected(tag)))
            page.screenshot(path=str(tmp_path / "preview-dosing.png"))
            page.select_option("#pv-tag", "")
            page.fill("#pv-search", "hypotension")
            visible = _visible(page)
            assert visible and all("hypotension" in page.inner_text(f'[data-card="{v.split(":")[0]}"]').lower()
                                   for v in visible)

            phone = browser.new_page(viewport={"width": 390, "height": 844}, color_scheme="dark")
            phone.goto(page_file.as_uri())
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390
            assert phone.locator(".card.nightMode").count() == 2 * total
            phone.screenshot(path=str(tmp_path / "preview-phone-dark.png"))
        finally:
            browser.close()
    assert problems == []
    assert (tmp_path / "preview-dosing.png").stat().st_size > 10_000


def test_every_shipped_back_fits_one_phone_screen_in_light_and_dark(tmp_path: Path) -> None:
    """On a 390 x 844 phone screen, the back of every card of every shipped deck (answer, labelled
    context, quote and source) fits in one screen, so the learner reads the labels without scrolling."""
    page_file = tmp_path / "preview.html"
    assert run(["preview", "-o", str(page_file)], cwd=REPO).exit_code == 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for scheme in ("light", "dark"):
                phone = browser.new_page(viewport={"width": 390, "height": 844}, color_scheme=scheme)
                phone.goto(page_file.as_uri())
                heights = phone.eval_on_selector_all(
                    ".pv-entry", "els => els.map(e => [e.dataset.card + ':' + e.dataset.ord, "
                                 "e.querySelectorAll('.pv-side .card')[1].getBoundingClientRect().height])")
                assert len(heights) == _all_cards()
                too_tall = [(card, round(height)) for card, height in heights if height > 844]
                assert too_tall == [], scheme
                phone.screenshot(path=str(tmp_path / f"phone-{scheme}.png"))
        finally:
            browser.close()


def test_the_source_view_marks_covered_sentences_and_links_them_to_their_cards(tmp_path: Path) -> None:
    deck = write_deck(tmp_path, "      - id: c1\n        q: Question one?\n        a: Answer one\n"
                                "        quote: Question one has answer one.\n")
    page_file = tmp_path / "preview.html"
    assert run(["preview", deck.name, "-o", str(page_file)], cwd=tmp_path).exit_code == 0
    shipped = tmp_path / "shipped.html"
    assert run(["preview", "-o", str(shipped)], cwd=REPO).exit_code == 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(page_file.as_uri())
            covered, uncovered = page.locator(".pv-sentence.pv-covered"), page.locator(".pv-sentence.pv-uncovered")
            assert covered.all_inner_texts() == ["Question one has answer one."]
            assert uncovered.all_inner_texts() == ["A cloze with two deletions."]
            assert uncovered.is_visible()
            background = uncovered.evaluate("e => getComputedStyle(e).backgroundColor")
            assert background not in ("rgba(0, 0, 0, 0)", "transparent")  # stands out at a glance
            page.locator(".pv-ref", has_text="c1").click()
            assert page.evaluate("location.hash") == "#pv-card-c1"
            assert page.locator("#pv-card-c1").is_visible()
            page.screenshot(path=str(tmp_path / "source-view.png"), full_page=True)

            page.goto(shipped.as_uri())  # every shipped sentence is covered, and every link reaches its card
            assert page.locator(".pv-sentence.pv-uncovered").count() == 0
            links = page.eval_on_selector_all(".pv-ref", "els => els.map(e => e.getAttribute('href'))")
            assert links and all(page.locator(link).count() == 1 for link in links)
        finally:
            browser.close()
