"""The accessibility check the journeys rely on does fail, and says where and why: a page with
an image without text alternative and an unlabelled field is refused as soon as it is visited."""

from urllib.parse import quote

import pytest

from tests.e2e.conftest import axe_version, new_checked_page

pytestmark = pytest.mark.e2e

BAD = (
    '<!doctype html><html lang="fr"><title>t</title><main><h1>Titre</h1>'
    '<img src="x.png"><input type="text" id="q"></main></html>'
)
GOOD = (
    '<!doctype html><html lang="fr"><title>t</title><main><h1>Titre</h1>'
    '<img src="x.png" alt="Logo"><label for="q">Recherche</label><input type="text" id="q">'
    "</main></html>"
)


def test_a_page_with_serious_violations_fails_with_rule_target_and_page(chromium):
    page = new_checked_page(chromium)
    page.goto("data:text/html," + quote(GOOD))  # passes
    with pytest.raises(AssertionError) as failure:
        page.goto("data:text/html," + quote(BAD))
    message = str(failure.value)
    assert "accessibility violations on data:text/html" in message
    assert "[critical] image-alt" in message and "at img" in message
    assert "[critical] label" in message and "at #q" in message
    assert "RGAA 1.1.1" in message  # axe-core ≥ 4.11 names the RGAA criterion
    assert len(page.axe.pages) == 2
    page.context.close()


def test_bundled_axe_core_tags_rgaa():
    major, minor = (int(x) for x in axe_version().split(".")[:2])
    assert (major, minor) >= (4, 11)


def test_accessibility_statement_names_the_axe_core_the_checks_run():
    from core.accessibility import AUDIT

    # a new axe-core means new checks: the statement is established again with its results
    assert AUDIT["axe_core"].split(".")[:2] == axe_version().split(".")[:2]
