from django import forms
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.enums import OrganisationKind
from accounts.models import Organisation
from core.uploads import check_upload_size
from core.widgets import SuggestInput
from inventory.enums import DeviceType, Grade

from .enums import PaymentMethod, Situation, age_band_choices
from .models import (
    Commune,
    EligibilityCriterion,
    EligibilityProofKind,
    ExemptionReason,
    FundingProgramme,
    Person,
    TrainingModule,
    TrainingProgramme,
)
from .territories import commune_choice, commune_resolve

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CommuneField(forms.CharField):
    """A commune typed by name, postal code or INSEE code, with suggestions as one types;
    cleaned to the Commune (beneficiaries.territories.commune_resolve)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Commune"))
        kwargs.setdefault("help_text", _("Its name or postal code, e.g. Nanterre or 92000."))
        kwargs.setdefault("widget", SuggestInput(reverse_lazy("beneficiaries:commune_suggestions")))
        super().__init__(max_length=200, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, Commune):
            return commune_choice(value)
        if isinstance(value, str) and value and " " not in value:
            commune = Commune.objects.filter(code_insee=value.upper()).first()
            return commune_choice(commune) if commune else value
        return value

    def clean(self, value):
        text = super().clean(value)
        return commune_resolve(text) if text else None


class PersonForm(forms.Form):
    pseudonymous = forms.BooleanField(
        label=_("Record only our own reference (the identity stays with the structure)"),
        required=False,
    )
    reference = forms.CharField(label=_("Our reference"), max_length=50, required=False)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    commune = CommuneField(required=False)
    # No default: a band picked for the person, never "under 18" left as it came. La Coop's
    # bands; a person recorded with a former band keeps it until it is changed.
    age_band = forms.ChoiceField(label=_("Age band"), choices=[("", "—"), *age_band_choices()])
    situation = forms.ChoiceField(label=_("Situation"), choices=Situation.choices)
    eligibility = forms.ModelChoiceField(
        label=_("Eligibility criterion checked"),
        queryset=EligibilityCriterion.objects.filter(is_active=True),
    )
    eligibility_justification = forms.CharField(
        label=_("Justification (if needed)"), max_length=300, required=False
    )
    eligibility_checked_on = forms.DateField(
        label=_("Checked on"), widget=DATE, initial=timezone.localdate
    )
    consent_purpose = forms.CharField(
        label=_("Consent: purpose"),
        max_length=300,
        initial=_("Follow-up of the device loan and training by the structure"),
    )
    consent_given_on = forms.DateField(
        label=_("Consent given on"), widget=DATE, initial=timezone.localdate
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.initial.get("age_band", "")
        self.fields["age_band"].choices = [("", "—"), *age_band_choices(current)]

    def clean(self):
        data = super().clean()
        if data.get("pseudonymous"):
            for name in ("first_name", "last_name", "phone", "email"):
                data[name] = ""
        return data


class PersonReferForm(PersonForm):
    """At referral, the proof of precarity seen, if any (also recorded later on their page)."""

    proof_kind = forms.ModelChoiceField(
        label=_("Proof of precarity seen (kind, never a copy)"),
        queryset=EligibilityProofKind.objects.filter(active=True),
        required=False,
        empty_label=_("None seen yet"),
    )
    proof_seen_on = forms.DateField(
        label=_("Proof seen on"), widget=DATE, initial=timezone.localdate, required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("proof_kind") and not data.get("proof_seen_on"):
            self.add_error("proof_seen_on", _("Give the date the proof was seen."))
        return data


class SessionForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=TrainingProgramme.objects.all()
    )
    modules = forms.ModelMultipleChoiceField(
        label=_("Modules covered"),
        queryset=TrainingModule.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    starts_at = forms.DateTimeField(
        label=_("Date and time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("Place"), max_length=200)
    trainer = forms.CharField(label=_("Trainer"), max_length=200)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=200, initial=8)


class EnrolForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Person"), queryset=Person.objects.none())

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people


class OrderLineForm(forms.Form):
    device_type = forms.ChoiceField(
        label=_("Type"), choices=[("", "—"), *DeviceType.choices], required=False
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=100, required=False)
    min_ram_gb = forms.IntegerField(
        label=_("Minimum RAM (GB)"), min_value=1, max_value=1024, required=False
    )
    min_storage_gb = forms.IntegerField(
        label=_("Minimum storage (GB)"), min_value=1, max_value=100_000, required=False
    )
    min_grade = forms.ChoiceField(
        label=_("Minimum grade"), choices=[("", "—"), *Grade.choices], required=False
    )
    person = forms.ModelChoiceField(
        label=_("For (optional)"), queryset=Person.objects.none(), required=False
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people

    def clean(self):
        data = super().clean()
        if data.get("device_type") and not data.get("quantity"):
            self.add_error("quantity", _("How many?"))
        return data

    def line(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("device_type"):
            return None
        return {
            "device_type": data["device_type"],
            "quantity": data["quantity"],
            "min_ram_mb": data["min_ram_gb"] * 1024 if data.get("min_ram_gb") else None,
            "min_storage_gb": data.get("min_storage_gb"),
            "min_grade": data.get("min_grade", ""),
            "person": data.get("person"),
        }


OrderLineFormSet = forms.formset_factory(OrderLineForm, extra=4, max_num=20)


class HandoverForm(forms.Form):
    # No default recipient: a forgotten choice handed the device to the structure, with no
    # training checked. The person, or the structure, is chosen.
    person = forms.ModelChoiceField(
        label=_("Person receiving the device"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("— Choose the person —"),
    )
    for_structure = forms.BooleanField(
        label=_("No person: the structure keeps it (its own equipment)"), required=False
    )
    exemption = forms.ModelChoiceField(
        label=_("Exemption from the residual charge"),
        queryset=ExemptionReason.objects.all(),
        required=False,
    )
    exemption_note = forms.CharField(label=_("Exemption: reason"), max_length=300, required=False)
    reassign_reason = forms.CharField(
        label=_("Reserved for someone else: reason for the re-assignment"),
        max_length=300,
        required=False,
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people

    def clean(self):
        data = super().clean()
        person, for_structure = data.get("person"), data.get("for_structure")
        if person is None and not for_structure and "person" not in self.errors:
            self.add_error(
                "person",
                _("Choose the person receiving the device, or say that the structure keeps it."),
            )
        if person is not None and for_structure:
            self.add_error(
                "for_structure",
                _("A person is chosen: the device goes to them, not to the structure."),
            )
        return data


class PaymentForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount (€)"), min_value=0.01, max_digits=7, decimal_places=2
    )
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE, initial=timezone.localdate)


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("Why is the device brought back?"), max_length=300)


class DecisionForm(forms.Form):
    workshop = forms.ModelChoiceField(
        label=_("Workshop preparing the order"), queryset=None, required=False
    )
    funding_programme = forms.ModelChoiceField(
        label=_("Funding programme"), queryset=None, required=False
    )
    note = forms.CharField(label=_("Note (required to refuse)"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workshop"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.WORKSHOP
        )
        self.fields["funding_programme"].queryset = FundingProgramme.objects.select_related(
            "funder"
        )


class WaiverForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=TrainingProgramme.objects.all()
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)


class LimitOverrideForm(forms.Form):
    device_type = forms.ChoiceField(label=_("Device type"), choices=DeviceType.choices)
    # Its own label: the waiver's form on the same page asks for a "Reason" too.
    reason = forms.CharField(label=_("Reason for the exception"), max_length=300)


class EligibilityCheckForm(forms.Form):
    """The proof of precarity seen: its kind and date, never a copy of the document."""

    kind = forms.ModelChoiceField(
        label=_("Kind of proof seen"),
        queryset=EligibilityProofKind.objects.filter(active=True),
        help_text=_(
            "Record only what you saw and when: never scan, photograph or keep a copy of the "
            "document."
        ),
    )
    seen_on = forms.DateField(label=_("Seen on"), widget=DATE, initial=timezone.localdate)


class ProofKindForm(forms.Form):
    name = forms.CharField(label=_("New kind of proof"), max_length=150)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why is the order cancelled?"), max_length=300)


class MednumUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file of the digital-mediation places"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        check_upload_size(f, "MEDNUM_CSV_MAX_BYTES")  # before the view reads it into memory
        return f
