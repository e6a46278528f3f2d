"""The importer's fast row cleaning gives what the intake form itself gives, cell for cell."""

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory.forms import DeviceSpecsForm, device_specs_clean

CELLS = {
    "device_type": ["PC portable", "Portable", "tablette", "laptop", "", "  ", "grille-pain"],
    "serial_number": ["", "SN123", " sn 77 ", "X" * 120],
    "manufacturer": ["", "Dell Inc.", "HP"],
    "model": ["", "Latitude 5490", "M" * 200],
    "ram": ["", "8 Go", "16GB", "beaucoup", "0"],
    "storage": ["", "256 Go SSD", "256 Go SSD + 1 To HDD", "???"],
    "battery_health": ["", "85 %", "140%", "x"],
    "screen_size": ["", "15,6", '15.6"', "abc"],
    "keyboard_layout": ["", "AZERTY", "qwerty", "dvorak"],
    "purchase_date": ["", "15/03/2019", "2019-03-15", "31/02/2019", "hier"],
    "declared_value": ["", "50", "50,00 €", "-3", "cher"],
    "notes": ["", "rayure", "n" * 2100],
}

rows = st.fixed_dictionaries({}, optional={k: st.sampled_from(v) for k, v in CELLS.items()})


@pytest.mark.parametrize("language", ["fr", "en"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(row=rows)
def test_fast_cleaning_matches_the_form(language, row):
    with translation.override(language):
        form = DeviceSpecsForm(data=row)
        form.is_valid()
        cleaned, errors = device_specs_clean(row)
        assert {k: list(v) for k, v in form.errors.items()} == errors
        expected = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
        assert cleaned == expected
