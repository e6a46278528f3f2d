from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def figure(value):
    """A figure as the tables show it: "—" stays, no figure is empty, numbers localised."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return number_format(value, decimal_pos=2, use_l10n=True)
    return number_format(value, use_l10n=True, force_grouping=True)


@register.filter
def cell(row: dict, key: str):
    return figure(row.get(key))


@register.filter
def get(mapping: dict, key: str):
    return mapping.get(key, "")
