"""Tags of the lists: the header of a sortable column, `{% sort_th "key" label "num" %}` (the
view's `sort`, from core.sorting, read from the context), and how long a row has waited,
`{{ device.entered_at|waited }}`.

With no `sort` in the context (a table included on a page that does not sort), a plain
header: one table template serves both."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_th(context, key: str, label, css_class: str = ""):
    sort = context.get("sort")
    class_attr = format_html(' class="{}"', css_class) if css_class else ""
    if not sort:
        return format_html('<th scope="col"{}>{}</th>', class_attr, label)
    href, aria = sort.link(key)
    if aria is None:
        return format_html(
            '<th scope="col"{}><a class="sort" href="{}">{}</a></th>', class_attr, href, label
        )
    arrow = "▲" if aria == "ascending" else "▼"
    return format_html(
        '<th scope="col"{} aria-sort="{}"><a class="sort" href="{}">{} '
        '<span aria-hidden="true">{}</span></a></th>',
        class_attr,
        aria,
        href,
        label,
        arrow,
    )


@register.filter
def waited(since, now=None) -> str:
    """A short wait for a work queue: "12 min", "5 h", "3 jours" (one unit, rounded down)."""
    if not since:
        return "—"
    seconds = max(0, int(((now or timezone.now()) - since).total_seconds()))
    if seconds < 3600:
        n = seconds // 60
        return gettext("%(n)s min") % {"n": n}
    if seconds < 48 * 3600:
        n = seconds // 3600
        return gettext("%(n)s h") % {"n": n}
    n = seconds // 86400
    return ngettext("%(n)s day", "%(n)s days", n) % {"n": n}


@register.simple_tag(takes_context=True)
def sort_input(context):
    """Inside a list's filter form: filtering again keeps the order chosen in the headers."""
    sort = context.get("sort")
    if not sort or sort.is_default:
        return ""
    return format_html('<input type="hidden" name="sort" value="{}">', sort.param)
