"""The site's own pages: home, health check. The home page is made of sections that the domain
apps provide (settings.HOME_SECTIONS), so this app knows none of them."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.module_loading import import_string
from django.utils.safestring import mark_safe


def _sections() -> list:
    return [import_string(path) for path in settings.HOME_SECTIONS]


def home(request):
    """Each section is `section(request) -> (template, context)`, or None when it has nothing
    for this user."""
    parts = []
    for section in _sections():
        found = section(request)
        if found is not None:
            template, context = found
            parts.append(render_to_string(template, context, request=request))
    return render(
        request,
        "core/home.html",
        {
            "sections": [mark_safe(part) for part in parts],
            "organisations": [m.organisation for m in request.user.memberships_cached()],
        },
    )


@login_not_required
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
