from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import proconnect, services
from .forms import AcceptInvitationForm, InvitationForm, OrganisationIdentityForm
from .models import Invitation, Organisation
from .permissions import require


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view keeps this session (update_session_auth_hash) while every other session
    of the user ends: their session hash no longer matches the new password."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request,
            gettext_lazy(
                "Password changed. Your other sessions (other browsers, devices) are logged out."
            ),
        )
        return response


class LogoutView(auth_views.LogoutView):
    """Django's logout; after a ProConnect login, ProConnect's session is ended too."""

    def post(self, request, *args, **kwargs):
        id_token = request.session.get("oidc_id_token")
        response = super().post(request, *args, **kwargs)
        if id_token and settings.PROCONNECT_ENABLED:
            return HttpResponseRedirect(proconnect.end_session_url(request, id_token))
        return response


class LoginView(auth_views.LoginView):
    """The local login, with the ProConnect button beside it when ProConnect is configured."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(proconnect=settings.PROCONNECT_ENABLED, **kwargs)


def invitation_list(request):
    require(request.user, "accounts.invite")
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitation, _key = services.invitation_create(
            by=request.user,
            email=form.cleaned_data["email"],
            organisation=form.cleaned_data["organisation"],
            role=form.cleaned_data["role"],
        )
        messages.success(
            request,
            _("Invitation sent to %(email)s; the link is valid for %(days)s days.")
            % {"email": invitation.email, "days": Invitation.VALIDITY_DAYS},
        )
        return redirect("invitation_list")
    invitations = Invitation.objects.visible_to(request.user).select_related(
        "organisation", "invited_by", "accepted_by"
    )[:200]
    return render(
        request, "accounts/invitation_list.html", {"form": form, "invitations": invitations}
    )


@login_not_required
def invitation_accept(request, key: str):
    invitation = Invitation.find(key)
    problem = services.invitation_problem(invitation)
    if problem:
        return render(request, "accounts/invitation_problem.html", {"problem": problem}, status=410)
    existing = services.active_user_by_email(invitation.email)
    if existing is not None:
        # The person has an account already: they accept it logged in as themselves.
        if request.method == "POST" and request.user.is_authenticated:
            try:
                services.invitation_accept_existing(invitation, request.user)
            except ValidationError as exc:
                messages.error(request, exc.messages[0])
                return redirect("invitation_accept", key=key)
            messages.success(
                request,
                _("You now belong to %(organisation)s.")
                % {"organisation": invitation.organisation.name},
            )
            return redirect("home")
        return render(
            request,
            "accounts/invitation_accept_existing.html",
            {"invitation": invitation, "proconnect": settings.PROCONNECT_ENABLED},
        )
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept_new_account(
                invitation,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect("home")
    return render(
        request,
        "accounts/invitation_accept.html",
        {"invitation": invitation, "form": form, "proconnect": settings.PROCONNECT_ENABLED},
    )


def organisation_identity(request, pk):
    """The identity an organisation's documents carry, set by its managers and staff."""
    organisation = get_object_or_404(
        Organisation.objects.filter(pk__in=request.user.organisation_ids())
        if not request.user.is_coordinator
        else Organisation.objects.all(),
        pk=pk,
    )
    require(request.user, "organisations.edit_identity", organisation)
    initial = {
        f: getattr(organisation, f)
        for f in ("name", "street_address", "postal_code", "city", "siret", "rna", "legal_basis")
    }
    form = OrganisationIdentityForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.organisation_identity_set(
                organisation=organisation,
                user=request.user,
                logo=data.pop("logo"),
                remove_logo=data.pop("remove_logo"),
                **data,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
            organisation.refresh_from_db()
        else:
            messages.success(
                request, _("The identity of %(org)s is saved.") % {"org": organisation}
            )
            return redirect("organisation_identity", pk=organisation.pk)
    return render(
        request,
        "accounts/organisation_identity.html",
        {"form": form, "organisation": organisation},
    )
