"""FastSelect renders what Django's Select renders, option for option."""

import pytest
from django import forms
from django.test.html import parse_html

from core.widgets import FastSelect

CHOICES = [
    ("", "---------"),
    ("received", "Reçu"),
    ("a<b", 'Nom avec <balise> & "guillemets"'),
    ("Groupe", [("x", "Ex"), ("y", "Why")]),
    (3, "trois"),
]


@pytest.mark.parametrize("value", ["", "received", "a<b", "y", 3, None])
@pytest.mark.parametrize("attrs", [None, {"id": "id_status", "required": True, "aria-x": "1"}])
def test_same_html_as_djangos_select(value, attrs):
    ours = FastSelect(choices=CHOICES).render("status", value, attrs=attrs)
    django = forms.Select(choices=CHOICES).render("status", value, attrs=attrs)
    # The same elements, attributes (in any order), text and selection, as a browser reads it.
    assert parse_html(ours) == parse_html(django)
    assert "&lt;balise&gt;" in ours and "<balise>" not in ours


def test_device_list_filters_keep_the_chosen_option(tech_client, batch):
    from django.urls import reverse

    page = tech_client.get(reverse("inventory:device_list"), {"status": "ready"}).content.decode()
    assert '<option value="ready" selected>' in page
    assert '<select name="status" id="id_status">' in page
