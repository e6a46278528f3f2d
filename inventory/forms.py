from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.module_loading import import_string
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.validators import normalise_siret
from core.uploads import check_upload_size, read_upload
from core.widgets import SuggestInput

from . import spreadsheet
from .enums import DeviceType, KeyboardLayout
from .models import CollectionBatch, Donor, Location
from .values import (
    parse_date,
    parse_device_type,
    parse_keyboard_layout,
    parse_money,
    parse_percent,
    parse_ram_mb,
    parse_screen_size,
    parse_storage,
    parse_weight_kg,
)


class ParsedCharField(forms.CharField):
    """A free-text field parsed the same way on screen and in spreadsheets ("8 Go", "1 To")."""

    def __init__(self, *, parser, choices_first=None, **kwargs):
        self.parser = parser
        self.choices_first = set(choices_first or ())
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.choices_first:
            return text
        try:
            return self.parser(text)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from exc


class DeviceSpecsForm(forms.Form):
    """Validation of one device's facts: the intake screen and every spreadsheet row use it."""

    device_type = ParsedCharField(
        label=_("Type"),
        parser=parse_device_type,
        choices_first=DeviceType.values,
        required=True,
    )
    serial_number = forms.CharField(label=_("Serial number"), max_length=100, required=False)
    manufacturer = forms.CharField(label=_("Manufacturer"), max_length=100, required=False)
    model = forms.CharField(label=_("Model"), max_length=150, required=False)
    cpu = forms.CharField(label=_("CPU"), max_length=200, required=False)
    ram = ParsedCharField(label=_("RAM"), parser=parse_ram_mb, help_text=_("e.g. 8 Go"))
    storage = ParsedCharField(
        label=_("Storage"),
        parser=parse_storage,
        help_text=_("e.g. 256 Go SSD + 1 To HDD"),
    )
    battery_health = ParsedCharField(label=_("Battery health (%)"), parser=parse_percent)
    screen_size = ParsedCharField(label=_("Screen (inches)"), parser=parse_screen_size)
    keyboard_layout = ParsedCharField(
        label=_("Keyboard"),
        parser=parse_keyboard_layout,
        choices_first=KeyboardLayout.values,
    )
    purchase_date = ParsedCharField(label=_("Purchase date"), parser=parse_date)
    declared_value = ParsedCharField(label=_("Declared value (€)"), parser=parse_money)
    weight = ParsedCharField(
        label=_("Weight (kg)"),
        parser=parse_weight_kg,
        help_text=_("empty = the default weight of the type"),
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000)

    def clean_device_type(self):
        value = self.cleaned_data.get("device_type")
        if not value:
            raise ValidationError(_("The device type is required."), code="required")
        return value

    def clean_storage(self):
        return self.cleaned_data.get("storage") or []


class IntakeForm(DeviceSpecsForm):
    """Scan-first intake: the serial has the focus, the rest is kept from the previous scan."""

    STICKY_FIELDS = (
        "device_type",
        "manufacturer",
        "model",
        "cpu",
        "ram",
        "storage",
        "keyboard_layout",
        "screen_size",
        "location",
    )

    device_type = forms.ChoiceField(label=_("Type"), choices=DeviceType.choices)
    keyboard_layout = forms.ChoiceField(
        label=_("Keyboard"), choices=[("", "—"), *KeyboardLayout.choices], required=False
    )
    location = forms.ModelChoiceField(
        label=_("Location"), queryset=Location.objects.none(), required=False
    )
    field_order = [
        "serial_number",
        "device_type",
        "manufacturer",
        "model",
        "cpu",
        "ram",
        "storage",
        "screen_size",
        "keyboard_layout",
        "battery_health",
        "weight",
        "location",
        "notes",
    ]

    def __init__(self, *args, batch: CollectionBatch, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = Location.objects.visible_to(user).filter(
            workshop_id=batch.workshop_id
        )
        self.fields["serial_number"].widget.attrs.update(
            {
                "autofocus": True,
                "autocomplete": "off",
                "inputmode": "text",
                # a refused scan stays selected, so the next scan replaces it (static/js/app.js:
                # the Content Security Policy runs no inline handler)
                "data-select-on-focus": "",
                "placeholder": _("Scan or type the serial number"),
            }
        )
        for name in ("purchase_date", "declared_value"):
            del self.fields[name]


class DeviceEditForm(DeviceSpecsForm):
    """Correcting a device's facts; drives are replaced only when the typed storage differs
    from them, and only before the diagnosis (the service refuses otherwise)."""

    device_type = forms.ChoiceField(label=_("Type"), choices=DeviceType.choices)
    keyboard_layout = forms.ChoiceField(
        label=_("Keyboard"), choices=[("", "—"), *KeyboardLayout.choices], required=False
    )

    @staticmethod
    def initial_for(device) -> dict:
        return {
            "device_type": device.device_type,
            "serial_number": device.serial_number,
            "manufacturer": device.manufacturer,
            "model": device.model,
            "cpu": device.cpu,
            "ram": f"{device.ram_mb} Mo" if device.ram_mb else "",
            "storage": " + ".join(
                f"{d.capacity_gb} Go {d.kind.upper()}"
                if d.kind != "other"
                else f"{d.capacity_gb} Go"
                for d in device.drives.all()
                if d.capacity_gb
            ),
            "battery_health": device.battery_health_pct,
            "screen_size": device.screen_size_in,
            "keyboard_layout": device.keyboard_layout,
            "purchase_date": device.purchase_date.strftime("%d/%m/%Y")
            if device.purchase_date
            else "",
            "declared_value": device.declared_value,
            "weight": str(device.weight_kg).replace(".", ",") if device.weight_kg else "",
            "notes": device.notes,
        }


class LocationForm(forms.Form):
    zone = forms.CharField(label=_("Zone"), max_length=50)
    shelf = forms.CharField(label=_("Shelf"), max_length=50, required=False)


class DonorForm(forms.ModelForm):
    # Wider than the column: people type "732 829 320 00074"; spaces go in clean_siret.
    siret = forms.CharField(
        label=_("SIRET"), max_length=20, required=False, help_text=_("14 digits, optional.")
    )

    class Meta:
        model = Donor
        # Linking a donor account is the coordination's job (back office): a workshop must
        # not browse every donor organisation.
        fields = [
            "name",
            "kind",
            "siret",
            "contact_name",
            "contact_email",
            "contact_phone",
            "address",
        ]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def clean_siret(self):
        return normalise_siret(self.cleaned_data.get("siret") or "")


class CommuneCodeField(forms.CharField):
    """A commune typed by name, postal code or INSEE code, cleaned to its INSEE code by the
    app that holds the communes (settings.FILIERE_COMMUNE_RESOLVER)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Pick-up commune"))
        kwargs.setdefault("help_text", _("Its name or postal code, e.g. Nanterre or 92000."))
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget", SuggestInput(reverse_lazy(settings.FILIERE_COMMUNE_SUGGESTIONS))
        )
        super().__init__(max_length=200, **kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return ""
        return import_string(settings.FILIERE_COMMUNE_RESOLVER)(text).pk


class BatchForm(forms.ModelForm):
    commune_insee = CommuneCodeField()

    class Meta:
        model = CollectionBatch
        fields = [
            "donor",
            "collected_on",
            "pickup_address",
            "commune_insee",
            "declared_quantity",
            "received_quantity",
            "notes",
        ]
        widgets = {
            "collected_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "pickup_address": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, workshop, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["donor"].queryset = Donor.objects.visible_to(user).filter(workshop=workshop)


class BatchEditForm(forms.ModelForm):
    commune_insee = CommuneCodeField()

    class Meta:
        model = CollectionBatch
        fields = [
            "collected_on",
            "pickup_address",
            "commune_insee",
            "declared_quantity",
            "received_quantity",
            "notes",
        ]
        widgets = BatchForm.Meta.widgets


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}),
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        check_upload_size(f, "SPREADSHEET_UPLOAD_MAX_BYTES")
        try:  # type by content, zip bombs, XML entities: refused before a job is created
            spreadsheet.check_content(read_upload(f), f.name)
        except spreadsheet.SpreadsheetError as exc:
            raise ValidationError(str(exc)) from exc
        return f


class MoveForm(forms.Form):
    location = forms.ModelChoiceField(label=_("New location"), queryset=Location.objects.none())
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, user, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = Location.objects.visible_to(user).filter(
            workshop_id=device.workshop_id
        )


# The importer validates each row with the very fields of DeviceSpecsForm, without building a
# form per row (a form deep-copies its fields: most of the cost at 100,000 rows).
_SPEC_FIELDS = DeviceSpecsForm.base_fields
_EMPTY: dict[str, object] = {}
_PARSED: dict[tuple, dict[str, tuple]] = {}


def _empty_value(name: str, field):
    """What a field gives for an empty cell, computed once (most donor columns are empty)."""
    if name not in _EMPTY:
        _EMPTY[name] = field.clean("")
    return _EMPTY[name]


_REQUIRED = [name for name, field in _SPEC_FIELDS.items() if field.required]
_UNIQUE_CELLS = {"serial_number"}


def _empty_row() -> dict:
    """The cleaned values of a row whose optional cells are all empty, computed once."""
    return {
        name: _empty_value(name, field)
        for name, field in _SPEC_FIELDS.items()
        if not field.required
    }


def device_specs_clean(
    values: dict[str, str], language: str | None = None
) -> tuple[dict, dict[str, list[str]]]:
    """(cleaned data, errors by field) for one row, as DeviceSpecsForm would give them.
    `language` is the active language, passed by callers that clean many rows (looking it up
    per cell cost a third of the import's time). Only the row's non-empty cells are parsed:
    the others take the empty value computed once."""
    language = language or get_language()
    if "" not in _EMPTY:
        _EMPTY[""] = _empty_row()
    cleaned: dict = dict(_EMPTY[""])
    errors: dict[str, list[str]] = {}
    todo = [(n, r) for n, r in values.items() if r and n in _SPEC_FIELDS]
    todo += [(n, "") for n in _REQUIRED if not values.get(n)]
    for name, raw in todo:
        field = _SPEC_FIELDS[name]
        # Donor files repeat the same cells ("8 Go", "Portable"): parse each text once.
        # (messages are in the request's language: one cache per language)
        if name in _UNIQUE_CELLS:  # never repeated: a cache would only grow and be cleared
            try:
                cleaned[name] = field.clean(raw)
            except ValidationError as exc:
                errors[name] = exc.messages
                cleaned.pop(name, None)
            continue
        cache = _PARSED.setdefault((language, name), {})
        if raw not in cache:
            if len(cache) > 20_000:
                cache.clear()
            try:
                cache[raw] = (field.clean(raw), None)
            except ValidationError as exc:
                cache[raw] = (None, exc.messages)
        value, messages = cache[raw]
        if messages:
            errors[name] = messages
            cleaned.pop(name, None)
            continue
        cleaned[name] = value
    for name, value in cleaned.items():
        if isinstance(value, list):  # never share a cached list between rows
            cleaned[name] = list(value)
    if "device_type" not in errors and not cleaned.get("device_type"):
        errors["device_type"] = [str(_("The device type is required."))]
    if "storage" in cleaned and not cleaned["storage"]:
        cleaned["storage"] = []
    return cleaned, errors
