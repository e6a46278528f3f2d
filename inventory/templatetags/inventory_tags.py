from django import template
from django.utils import formats

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


# French figures group their thousands ("4 806,6 kg", "4 620,00 €") and never break before
# their unit: both spaces are no-break ones (the language's THOUSAND_SEPARATOR, then U+00A0).


@register.filter
def unit(value, symbol):
    """A figure with its unit ("12,5 kg"); a hidden figure ("—") stays bare."""
    if value is None or isinstance(value, str):
        return value
    return f"{formats.number_format(value, use_l10n=True, force_grouping=True)}\xa0{symbol}"


@register.filter
def euros(value):
    """An amount as "40,00 €"; a hidden amount ("—") stays bare."""
    if value is None or isinstance(value, str):
        return value
    return f"{formats.number_format(value, 2, use_l10n=True, force_grouping=True)}\xa0€"
