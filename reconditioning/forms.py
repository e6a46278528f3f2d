import copy

from django import forms
from django.utils.translation import gettext_lazy as _

from core.uploads import check_upload_size
from inventory.enums import DeviceStatus, Grade
from inventory.forms import ParsedCharField
from inventory.values import parse_storage

from . import lifecycle
from .checklists import GRADE_CRITERIA, NEEDS_IMEI, QA_CRITERIA, checks_for
from .enums import (
    CheckResult,
    ErasureResult,
    LockStatus,
    NistLevel,
    RecyclingChannel,
    Sanitization,
    ScrapReason,
    Verification,
)
from .models import OperatingSystem, SparePart


def _answer_the_rest(data, names, answer):
    """The explicit "all OK" button: every item left unanswered takes `answer`; the items the
    technician did answer keep their answer."""
    if data is None or not data.get("all_ok"):
        return data
    data = data.copy()
    for name in names:
        if not data.get(name):
            data[name] = answer
    return data


class StepForm(forms.Form):
    """Every step form carries the status the technician saw, to catch concurrent changes."""

    expected_status = forms.ChoiceField(choices=DeviceStatus.choices, widget=forms.HiddenInput)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, device, **kwargs):
        self.device = device
        kwargs.setdefault("initial", {})["expected_status"] = device.status
        super().__init__(*args, **kwargs)


class DiagnosisForm(StepForm):
    battery_health_pct = forms.IntegerField(
        label=_("Battery health (%)"), required=False, min_value=0, max_value=100
    )
    imei = forms.CharField(label=_("IMEI"), required=False, max_length=15)
    lock_status = forms.ChoiceField(
        label=_("Lock status"), required=False, choices=[("", "—"), *LockStatus.choices]
    )

    def __init__(self, data=None, *args, device, **kwargs):
        # Every item starts unanswered: a checklist records what someone looked at.
        names = [f"check_{key}" for key, _label in checks_for(device.device_type)]
        data = _answer_the_rest(data, names, CheckResult.OK)
        super().__init__(data, *args, device=device, **kwargs)
        self.check_names = []
        for key, label in checks_for(device.device_type):
            name = f"check_{key}"
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=CheckResult.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Answer this item.")},
            )
            self.check_names.append(name)
        if device.device_type not in NEEDS_IMEI:
            del self.fields["imei"]
            del self.fields["lock_status"]
        if device.device_type in ("desktop", "monitor"):
            del self.fields["battery_health_pct"]
        self.order_fields([*self.check_names])

    def check_fields(self):
        return [self[name] for name in self.check_names]

    def results(self) -> dict[str, str]:
        return {name.removeprefix("check_"): self.cleaned_data[name] for name in self.check_names}


class ErasureForm(StepForm):
    drive = forms.ModelChoiceField(
        label=_("Storage drive"),
        queryset=None,
        required=False,
        empty_label=_("The whole device (phone, tablet, no drive)"),
    )
    sanitization = forms.ChoiceField(
        label=_("Sanitization technique (IEEE 2883)"), choices=Sanitization.choices
    )
    nist_level = forms.ChoiceField(
        label=_("NIST SP 800-88 Rev. 2 category"),
        choices=NistLevel.choices,
        help_text=_("Degaussing is Purge, never Destroy (Rev. 2)."),
    )
    technique = forms.CharField(
        label=_("Tool's method"),
        required=False,
        max_length=100,
        help_text=_("as the tool names it, e.g. Fill With Zeros, DoD Short, nvme sanitize"),
    )
    tool = forms.CharField(
        label=_("Tool"),
        max_length=100,
        help_text=_("e.g. nwipe (ShredOS), hdparm, nvme-cli, factory reset"),
    )
    tool_version = forms.CharField(label=_("Tool version"), required=False, max_length=50)
    passes = forms.IntegerField(label=_("Passes"), required=False, min_value=0, max_value=99)
    verification = forms.ChoiceField(label=_("Verification"), choices=Verification.choices)
    # Required: only an erasure dated inside the device's current cycle counts.
    started_at = forms.DateTimeField(
        label=_("Started at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("After the device's reception or return."),
    )
    ended_at = forms.DateTimeField(
        label=_("Ended at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    result = forms.ChoiceField(label=_("Result"), choices=ErasureResult.choices)

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, device=device, **kwargs)
        self.fields["drive"].queryset = device.drives.all()


class DriveChangeForm(StepForm):
    """Take drives out, add one (or several of the same description), and say why."""

    remove = forms.ModelMultipleChoiceField(
        label=_("Drives taken out"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    add = ParsedCharField(
        label=_("Drives added"), parser=parse_storage, help_text=_("e.g. 1 To HDD")
    )
    add_model = forms.CharField(label=_("Model of the drive added"), max_length=150, required=False)
    add_serial = forms.CharField(
        label=_("Serial number of the drive added"), max_length=100, required=False
    )
    reason = forms.CharField(
        label=_("Why"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, device=device, **kwargs)
        del self.fields["notes"]
        self.fields["remove"].queryset = device.drives.all()

    def clean(self):
        data = super().clean()
        added = data.get("add") or []
        if "add" in data and not added and not data.get("remove"):
            raise forms.ValidationError(_("Choose a drive to take out or type the drive added."))
        if (data.get("add_serial") or data.get("add_model")) and len(added) != 1:
            raise forms.ValidationError(
                _("A model or serial number describes one drive: add one drive at a time.")
            )
        return data

    def drives_added(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "capacity_gb": gb,
                "kind": kind,
                "model": data.get("add_model", ""),
                "serial_number": data.get("add_serial", ""),
            }
            for gb, kind in data.get("add") or []
        ]


class NwipeUploadForm(forms.Form):
    log = forms.FileField(label=_("nwipe log file"))

    def clean_log(self):
        f = self.cleaned_data["log"]
        check_upload_size(f, "NWIPE_LOG_MAX_BYTES")
        return f


class RepairForm(StepForm):
    description = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3})
    )
    minutes_spent = forms.IntegerField(
        label=_("Time spent (minutes)"), min_value=1, max_value=60 * 24
    )
    part = forms.ModelChoiceField(label=_("Spare part used"), queryset=None, required=False)
    part_quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1, required=False)

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, device=device, **kwargs)
        self.fields["part"].queryset = SparePart.objects.filter(
            workshop_id=device.workshop_id, quantity__gt=0
        )

    def parts(self):
        part = self.cleaned_data.get("part")
        return [(part, self.cleaned_data.get("part_quantity") or 1)] if part else []


class OsInstallForm(StepForm):
    system = forms.ModelChoiceField(label=_("System installed"), queryset=None)
    override_reason = forms.CharField(
        label=_("Reason, if the device is below the system's minimum specs"),
        required=False,
        max_length=300,
    )

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, device=device, **kwargs)
        systems = [
            s.pk
            for s in OperatingSystem.objects.filter(is_active=True)
            if not s.device_types or device.device_type in s.device_types
        ]
        self.fields["system"].queryset = OperatingSystem.objects.filter(pk__in=systems)


class QualityCheckForm(StepForm):
    grade = forms.ChoiceField(
        label=_("Grade"), choices=Grade.choices, required=False, widget=forms.RadioSelect
    )

    ANSWERS = [("yes", _("Yes")), ("no", _("No"))]

    def __init__(self, data=None, *args, device, **kwargs):
        data = _answer_the_rest(data, [f"qa_{key}" for key, _l in QA_CRITERIA], "yes")
        super().__init__(data, *args, device=device, **kwargs)
        for key, label in QA_CRITERIA:
            # Yes or no, never a default: an unticked box is not a checked failure.
            self.fields[f"qa_{key}"] = forms.ChoiceField(
                label=label,
                choices=self.ANSWERS,
                widget=forms.RadioSelect,
                error_messages={"required": _("Answer this criterion.")},
            )
        self.order_fields([f"qa_{key}" for key, _l in QA_CRITERIA])
        self.grade_criteria = GRADE_CRITERIA
        faults = (
            lifecycle.unrepaired_faults(device)
            if device.status == DeviceStatus.OS_INSTALLED
            else []
        )
        if faults:
            self.fields["accept_faults"] = forms.BooleanField(
                required=False,
                label=_(
                    "The device goes out with these checks at fault, with no repair since: "
                    "%(faults)s"
                )
                % {"faults": lifecycle.fault_labels(device, faults)},
                help_text=_(
                    "Without this box, a device that passes is refused: record the repair first."
                ),
            )
            self.order_fields(["accept_faults"])  # above the notes (criteria have their own order)

    def criteria_fields(self):
        return [self[f"qa_{key}"] for key, _l in QA_CRITERIA]

    def results(self) -> dict[str, bool | None]:
        answers = {"yes": True, "no": False}
        return {key: answers.get(self.cleaned_data.get(f"qa_{key}")) for key, _l in QA_CRITERIA}


class ScrapForm(StepForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=ScrapReason.choices)
    channel = forms.ChoiceField(label=_("WEEE channel"), choices=RecyclingChannel.choices)
    destination = forms.CharField(label=_("Recycler or collection point"), max_length=200)
    weight_kg = forms.DecimalField(
        label=_("Weight (kg)"), min_value=0.01, max_digits=7, decimal_places=2
    )


class BulkStepForm(forms.Form):
    # In the lifecycle's order. "System installed" records the install ("os"): as a bare
    # step it refused every device, whose install must be recorded first.
    step = forms.ChoiceField(
        label=_("Step"),
        choices=[
            ("", "—"),
            (DeviceStatus.DIAGNOSED.value, DeviceStatus.DIAGNOSED.label),
            (DeviceStatus.ERASED.value, DeviceStatus.ERASED.label),
            ("os", DeviceStatus.OS_INSTALLED.label),
            (DeviceStatus.READY.value, DeviceStatus.READY.label),
        ],
    )
    system = forms.ModelChoiceField(
        label=_("System"), required=False, queryset=OperatingSystem.objects.filter(is_active=True)
    )
    devices = forms.ModelMultipleChoiceField(queryset=None, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["devices"].queryset = queryset
        # Only the systems meant for a type of device of the list (a phone's for phones).
        types = set(queryset.order_by().values_list("device_type", flat=True).distinct())
        systems = OperatingSystem.objects.filter(is_active=True)
        suited = [o.pk for o in systems if types & set(o.device_types)]
        self.fields["system"].queryset = systems.filter(pk__in=suited)

    def clean(self):
        data = super().clean()
        if data.get("step") == "os" and not data.get("system"):
            self.add_error("system", _("Choose the system installed."))
        return data


class HarvestForm(forms.Form):
    part = forms.ModelChoiceField(label=_("Spare part"), queryset=None)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=50, initial=1)

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["part"].queryset = SparePart.objects.filter(workshop_id=device.workshop_id)


# Bulk evidence (reconditioning.bulk): the same questions as the one-device forms, asked once.


class BulkDiagnosisForm(forms.Form):
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, data=None, *args, device_type: str, **kwargs):
        self.checks = checks_for(device_type)
        names = [f"check_{key}" for key, _label in self.checks]
        super().__init__(_answer_the_rest(data, names, CheckResult.OK), *args, **kwargs)
        for key, label in self.checks:
            self.fields[f"check_{key}"] = forms.ChoiceField(
                label=label,
                choices=CheckResult.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Answer this item.")},
            )
        self.order_fields(names)

    def check_fields(self):
        return [self[f"check_{key}"] for key, _label in self.checks]

    def results(self) -> dict[str, str]:
        return {key: self.cleaned_data[f"check_{key}"] for key, _label in self.checks}


class BulkErasureForm(forms.Form):
    """The manual erasure form without its drive: the session applies to every drive."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in ErasureForm.base_fields.items():
            if name not in ("drive", "expected_status"):
                self.fields[name] = copy.deepcopy(field)

    def session(self) -> dict:
        return dict(self.cleaned_data)


class BulkQualityCheckForm(forms.Form):
    grade = forms.ChoiceField(label=_("Grade"), choices=Grade.choices, widget=forms.RadioSelect)
    accept_faults = forms.BooleanField(
        required=False,
        label=_(
            "Devices with checks at fault in their diagnosis and no repair since go out with them"
        ),
        help_text=_("Without this box, such devices are refused: record their repair first."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, data=None, *args, **kwargs):
        names = [f"qa_{key}" for key, _l in QA_CRITERIA]
        super().__init__(_answer_the_rest(data, names, "yes"), *args, **kwargs)
        for key, label in QA_CRITERIA:
            self.fields[f"qa_{key}"] = forms.ChoiceField(
                label=label,
                choices=QualityCheckForm.ANSWERS,
                widget=forms.RadioSelect,
                error_messages={"required": _("Answer this criterion.")},
            )
        self.order_fields(names)
        self.grade_criteria = GRADE_CRITERIA

    def criteria_fields(self):
        return [self[f"qa_{key}"] for key, _l in QA_CRITERIA]

    def results(self) -> dict[str, bool]:
        return {key: self.cleaned_data[f"qa_{key}"] == "yes" for key, _l in QA_CRITERIA}
