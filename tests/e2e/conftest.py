"""Real-browser fixtures: Debian's chromium driven by Playwright, axe-core run on every page a
journey visits, a freshly seeded demo database, and the guide's screenshots."""

import io
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEMO_PASSWORD = "filiere-demo"
GUIDE_IMG = Path(__file__).resolve().parents[2] / "docs" / "guide" / "img"
# WCAG 2.1 A/AA; axe-core 4.11+ also tags its rules with the RGAA 4 criteria they check.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "RGAAv4"]
BLOCKING_IMPACTS = {"serious", "critical"}
# Actions after which the page may have changed: axe runs first on the page they act upon.
LOCATOR_ACTIONS = {
    "click",
    "dblclick",
    "fill",
    "press",
    "press_sequentially",
    "check",
    "uncheck",
    "set_checked",
    "select_option",
    "set_input_files",
    "tap",
}
LOCATOR_FACTORIES = {
    "locator",
    "get_by_role",
    "get_by_label",
    "get_by_text",
    "get_by_placeholder",
    "get_by_title",
    "get_by_alt_text",
    "get_by_test_id",
    "filter",
    "nth",
    "and_",
    "or_",
}
PAGE_NAVIGATIONS = {"goto", "reload", "go_back", "go_forward", "wait_for_url"}


def pytest_collection_modifyitems(config, items):
    if not os.path.exists(CHROMIUM):
        skip = pytest.mark.skip(reason="chromium is not installed (apt-get install chromium)")
        for item in items:
            if "e2e" in item.keywords:
                item.add_marker(skip)


def axe_version():
    from axe_playwright_python.base import AXE_SCRIPT

    return AXE_SCRIPT[: AXE_SCRIPT.index("\n")].split("v", 1)[-1].strip()


class AxeChecker:
    """Runs axe-core once on each page the main frame navigates to, just before the journey
    acts on it (or leaves it), and fails with every serious or critical violation found."""

    def __init__(self, page):
        from axe_playwright_python.sync_playwright import Axe

        self.page = page
        self.axe = Axe()
        self.navigations = 0
        self.audited = 0
        self.pages = []
        self.minor = []  # moderate and minor violations: listed with FILIERE_AXE_LOG=1
        page.on("framenavigated", self._navigated)

    def _navigated(self, frame):
        # no Playwright call in an event handler: just count, the audit runs in the test's flow
        if frame == self.page.main_frame:
            self.navigations += 1

    def flush(self):
        if self.audited >= self.navigations or self.page.is_closed():
            return
        self.page.wait_for_load_state("load")
        self.audited = self.navigations
        self.check(self.page.url)

    def check(self, where):
        results = self.axe.run(
            self.page,
            options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
        )
        self.pages.append(where)
        self.minor.extend(
            (where, v["id"], v["impact"])
            for v in results.response["violations"]
            if v.get("impact") not in BLOCKING_IMPACTS
        )
        blocking = [
            v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS
        ]
        if blocking:
            raise AssertionError(f"accessibility violations on {where}:\n" + report(blocking))


def report(violations):
    lines = []
    for v in violations:
        rgaa = [t for t in v.get("tags", []) if t.startswith("RGAA-")]
        lines.append(
            f"- [{v['impact']}] {v['id']}: {v['help']}"
            + (f" (RGAA {', '.join(t[5:] for t in rgaa)})" if rgaa else "")
        )
        for node in v["nodes"][:8]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = node.get("failureSummary", "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary[:300]}")
    return "\n".join(lines)


class CheckedLocator:
    def __init__(self, locator, checker):
        self._locator = locator
        self._checker = checker

    def __getattr__(self, name):
        attr = getattr(self._locator, name)
        if name in LOCATOR_FACTORIES:
            return lambda *a, **kw: CheckedLocator(attr(*a, **kw), self._checker)
        if name in LOCATOR_ACTIONS:

            def act(*a, **kw):
                # the element being there means any navigation before it has committed
                self._locator.first.wait_for(state="attached")
                self._checker.flush()
                return attr(*a, **kw)

            return act
        if name in ("first", "last"):
            return CheckedLocator(attr, self._checker)
        if name == "all":
            return lambda: [CheckedLocator(x, self._checker) for x in attr()]
        return attr


class CheckedPage:
    """A Playwright page whose every visited page is checked by axe-core."""

    def __init__(self, page):
        self.raw = page
        self.axe = AxeChecker(page)

    def __getattr__(self, name):
        attr = getattr(self.raw, name)
        if name in LOCATOR_FACTORIES:
            return lambda *a, **kw: CheckedLocator(attr(*a, **kw), self.axe)
        if name in PAGE_NAVIGATIONS:

            def navigate(*a, **kw):
                self.axe.flush()
                result = attr(*a, **kw)
                self.axe.flush()
                return result

            return navigate
        return attr


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)


@pytest.fixture
def chromium():
    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test body
    # are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


def new_checked_page(browser, **context_options):
    options = {"locale": "fr-FR", "viewport": {"width": 1280, "height": 800}}
    options.update(context_options)
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(15000)
    return CheckedPage(page)


@pytest.fixture
def browser_page(chromium):
    page = new_checked_page(chromium)
    yield page
    # the last page the journey looked at is checked too
    if not page.is_closed():
        page.axe.flush()
    if os.environ.get("FILIERE_AXE_LOG"):
        print("\naxe checked:", *page.axe.pages, sep="\n  ")
        print("moderate or minor:", *page.axe.minor, sep="\n  ")
    page.context.close()


@pytest.fixture
def seeded(transactional_db):
    """The demo data set (`seed_demo`), fresh for each journey."""
    from django.core.management import call_command

    call_command("seed_demo", history=False, stdout=io.StringIO())


def login(page, base, username, password=DEMO_PASSWORD):
    page.goto(f"{base}/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(f"{base}/")


def shot(page, name):
    """docs/guide/img/<name>.png when FILIERE_GUIDE_SCREENSHOTS is set: the guide's pictures
    are taken by the journeys themselves, so they show the screens as they are."""
    if not os.environ.get("FILIERE_GUIDE_SCREENSHOTS"):
        return
    GUIDE_IMG.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("load")
    from PIL import Image

    path = GUIDE_IMG / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    # 128 colours are plenty for flat screens and make the committed pictures 3 times smaller
    image = Image.open(path).convert("RGB")
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
