"""The quick report opened in a real browser (headless Chromium through selenium).

What a reader would trip over, checked on the page as Chromium lays it out: console errors,
internal links (``#id``, the dependency graph's nodes included) that lead nowhere, images
that do not decode, formulas (MathML) that take no room, headings that skip a level, and a
page wider than the window at 1280 px and at a phone's 400 px (long formulas and the graph
must scroll inside their own boxes). Screenshots of the top of the page and of one claim
section are saved as test artefacts (the path is printed), with the page's size and its
time to ``load``.

Without Chromium, chromedriver or selenium the tests skip, saying how to install them.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from test_report_e2e import quick_report_once

_INSTALL = (
    "needs headless Chromium and chromedriver: `apt-get install -y chromium chromium-driver` "
    "(Debian/Ubuntu) and `pip install selenium` (the test extra); .ci/run installs them"
)
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def _binary(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver", reason=_INSTALL)
    from selenium.webdriver.chrome.service import Service

    chrome = _binary("chromium", "chromium-browser", "google-chrome")
    driver_bin = _binary("chromedriver")
    if chrome is None or driver_bin is None:
        pytest.skip(_INSTALL)
    profile = tempfile.mkdtemp(prefix="tensorkv-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chrome
    for flag in (*_FLAGS, f"--user-data-dir={profile}"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(options=opts, service=Service(driver_bin))
    drv.set_page_load_timeout(120)
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def page(browser, tmp_path_factory):
    """The seed-0 quick report (shared with tests/test_report_e2e.py) loaded at 1280 px."""
    _, out, data = quick_report_once(0, tmp_path_factory)
    html_file = out / "report.html"
    browser.set_window_size(1280, 900)
    browser.get(html_file.as_uri())
    return browser, html_file, data


def _load(browser, html_file: Path, width: int) -> None:
    browser.set_window_size(width, 900)
    browser.get(html_file.as_uri())
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 60).until(lambda d: d.execute_script("return document.readyState") == "complete")


_OPEN_ALL = "document.querySelectorAll('details').forEach(d => d.open = true);"
_OVERFLOW = "return [document.scrollingElement.scrollWidth, window.innerWidth];"


def test_no_console_errors(page):
    browser, html_file, _ = page
    _load(browser, html_file, 1280)
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_every_internal_link_resolves(page):
    browser, html_file, data = page
    _load(browser, html_file, 1280)
    broken, n = browser.execute_script(
        """
        const links = Array.from(document.querySelectorAll('a'))
            .map(a => a.getAttribute('href') || a.getAttribute('xlink:href') || '')
            .filter(h => h.startsWith('#'));
        return [links.filter(h => !document.getElementById(decodeURIComponent(h.slice(1)))), links.length];
        """
    )
    assert broken == [] and n > 0
    # One click from the graph: every claim's node links to the claim's section.
    targets = browser.execute_script(
        "return Array.from(document.querySelectorAll('svg.depgraph a')).map(a => a.getAttribute('href'));"
    )
    assert sorted(targets) == sorted(f"#{c['id']}" for c in data["claims"])


def test_every_image_decodes_and_has_alt_text(page):
    browser, html_file, _ = page
    _load(browser, html_file, 1280)
    bad = browser.execute_script(
        "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0 && i.alt))"
        ".map(i => i.alt.slice(0, 60));"
    )
    assert bad == []
    assert browser.execute_script("return document.images.length") > 0


def test_every_formula_takes_room(page):
    browser, html_file, _ = page
    _load(browser, html_file, 1280)
    browser.execute_script(_OPEN_ALL)  # folded formulas have no box until opened
    empty, n = browser.execute_script(
        """
        const maths = Array.from(document.querySelectorAll('math'));
        const empty = maths.filter(m => { const r = m.getBoundingClientRect();
                                          return !(r.width > 0 && r.height > 0); });
        return [empty.map(m => (m.getAttribute('alttext') || '').slice(0, 60)), maths.length];
        """
    )
    assert empty == [] and n > 0


def test_headings_never_skip_a_level(page):
    browser, html_file, _ = page
    _load(browser, html_file, 1280)
    levels = browser.execute_script(
        "return Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6')).map(h => +h.tagName[1]);"
    )
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:]))


@pytest.mark.parametrize("width", [1280, 400])
def test_no_horizontal_scroll(page, width):
    browser, html_file, _ = page
    _load(browser, html_file, width)
    scroll, inner = browser.execute_script(_OVERFLOW)
    assert scroll <= inner, f"the page scrolls sideways at {width} px ({scroll} > {inner})"
    browser.execute_script(_OPEN_ALL)  # unfolded details must not widen the page either
    scroll, inner = browser.execute_script(_OVERFLOW)
    assert scroll <= inner, f"an unfolded detail widens the page at {width} px ({scroll} > {inner})"


def test_screenshots_and_weight(page, tmp_path_factory, capsys):
    browser, html_file, _ = page
    shots = tmp_path_factory.mktemp("report-screenshots")
    _load(browser, html_file, 1280)
    load_ms = browser.execute_script(
        "const t = performance.getEntriesByType('navigation')[0]; return t.loadEventEnd - t.startTime;"
    )
    browser.save_screenshot(str(shots / "top-1280.png"))
    # The claim section a reader most likely opens from the graph: proof steps and figures.
    claim = browser.execute_script(
        """
        const secs = Array.from(document.querySelectorAll('section.claim')).map(s =>
            [s.querySelectorAll('figure').length > 0, s.querySelectorAll('table.steps').length > 0, s.id]);
        return (secs.find(([f, p]) => f && p) || secs.find(([f, p]) => p) || secs[0])[2];
        """
    )
    browser.execute_script("document.getElementById(arguments[0]).scrollIntoView();", claim)
    browser.save_screenshot(str(shots / "claim-1280.png"))
    _load(browser, html_file, 400)
    browser.save_screenshot(str(shots / "top-400.png"))
    browser.execute_script("document.getElementById(arguments[0]).scrollIntoView();", claim)
    browser.save_screenshot(str(shots / "claim-400.png"))
    names = sorted(p.name for p in shots.glob("*.png"))
    assert names == ["claim-1280.png", "claim-400.png", "top-1280.png", "top-400.png"]
    assert all((shots / n).stat().st_size > 5_000 for n in names)  # not blank
    size = html_file.stat().st_size
    with capsys.disabled():  # printed whatever the capture mode: where the artefacts are
        print(f"\nreport.html {size / 1e6:.2f} MB, load {load_ms:.0f} ms; screenshots in {shots}")
    assert size < 2_000_000
