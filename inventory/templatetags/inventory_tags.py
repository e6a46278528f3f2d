from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    if isinstance(mapping, dict):
        return mapping.get(key, "")
    return ""


@register.filter
def mask(value, masked):
    """A count of people as a funder may see it: 1 to 4 become "< 5"."""
    if masked and isinstance(value, int) and 0 < value < 5:
        return "< 5"
    return value
