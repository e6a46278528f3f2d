from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from .enums import Role
from .models import Organisation, User

# Roles a person may be invited to (a workshop machine gets a token, not an invitation).
INVITABLE_ROLES = [(value, label) for value, label in Role.choices if value != Role.MACHINE]


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.order_by("name")
    )
    role = forms.ChoiceField(label=_("Role"), choices=INVITABLE_ROLES)


class AcceptInvitationForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            # The validators compare the password with the person's name and e-mail.
            person = User(
                username=self.email,
                email=self.email,
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                password_validation.validate_password(first, person)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class OrganisationIdentityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    street_address = forms.CharField(label=_("Street address"), max_length=200, required=False)
    postal_code = forms.RegexField(
        label=_("Postal code"),
        regex=r"^\d{5}$",
        required=False,
        error_messages={"invalid": _("A postal code has 5 digits.")},
    )
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    siret = forms.CharField(label=_("SIRET"), max_length=17, required=False)
    rna = forms.CharField(
        label=_("RNA number"),
        max_length=10,
        required=False,
        help_text=_("An association's number in the national register: W and 9 digits."),
    )
    legal_basis = forms.CharField(
        label=_("Basis for tax receipts"),
        max_length=200,
        required=False,
        help_text=_(
            "What entitles the organisation to issue donation receipts, e.g. “Association "
            "d'intérêt général (article 238 bis 1-a du CGI)”."
        ),
    )
    logo = forms.FileField(label=_("Logo (PNG or JPEG, 256 kB at most)"), required=False)
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
