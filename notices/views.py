"""A person's notices, marking them read, and which kinds they want by mail or in the app.

Every page reads the person's own notices only (Notice.objects.visible_to)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.pagination import keyset_page

from . import services
from .enums import NoticeKind, kinds_for
from .models import Notice


def notice_list(request):
    notices = Notice.objects.visible_to(request.user)
    page = keyset_page(
        notices, after=request.GET.get("after"), before=request.GET.get("before"), size=50
    )
    return render(
        request,
        "notices/notice_list.html",
        {"page": page, "has_unread": notices.unread().exists()},
    )


@require_POST
def notice_read(request, pk):
    """Mark one notice read; "open" goes on to the page it points at."""
    notice = get_object_or_404(Notice.objects.visible_to(request.user), pk=pk)
    services.notice_mark_read(notice=notice, user=request.user)
    if request.POST.get("open") and url_has_allowed_host_and_scheme(
        notice.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(notice.url)
    return redirect("notices:list")


@require_POST
def notice_read_all(request):
    n = services.notices_mark_all_read(user=request.user)
    if n:
        messages.success(request, _("Every notice is marked read."))
    return redirect("notices:list")


def preferences(request):
    """One line per kind that may reach the person: by e-mail, in the app (both on unless
    turned off)."""
    kinds = kinds_for(request.user)
    if request.method == "POST":
        services.preferences_save(
            request.user,
            {
                kind: (f"mail-{kind}" in request.POST, f"app-{kind}" in request.POST)
                for kind in kinds
            },
        )
        messages.success(request, _("Your notice settings are saved."))
        return redirect("notices:preferences")
    current = services.preferences_for(request.user)
    rows = [
        {
            "kind": kind,
            "label": NoticeKind(kind).label,
            "by_mail": current[kind][0],
            "in_app": current[kind][1],
        }
        for kind in kinds
    ]
    return render(
        request,
        "notices/preferences.html",
        {"rows": rows, "has_email": bool(request.user.email)},
    )
