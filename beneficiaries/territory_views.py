"""Suggestions for the commune fields (core.widgets.SuggestInput): <option>s for what is typed."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from .territories import commune_suggestions as suggestions


@require_GET
def commune_suggestions(request):
    # The input sends itself under its own name (hx-params): whatever the form calls it.
    typed = next((v for v in request.GET.values() if v), "")[:100]
    return render(
        request, "beneficiaries/includes/commune_options.html", {"options": suggestions(typed)}
    )
