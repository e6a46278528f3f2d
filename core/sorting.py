"""Sortable lists: `?sort=key` (ascending) or `?sort=-key` (descending) from a whitelist.

Each list names its sortable keys and the ORM ordering behind each; anything else in the query
string falls back to the list's default order (never an error: the value comes from a URL
anyone can type). The primary key ends every ordering so that rows with equal values keep
one order from page to page."""

import re
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Case, F, IntegerField, Value, When
from django.db.models.constants import LOOKUP_SEP
from django.db.models.expressions import OrderBy
from django.http import QueryDict

__all__ = ["PAGING_PARAMS", "Sort", "choice_order", "natural_key", "sort_for"]

# Parameters a header link drops: a new order starts again at the first page.
PAGING_PARAMS = ("page", "after", "before", "export")


def natural_key(text: str) -> list:
    """Sort key reading numbers as numbers and ignoring case: "Lieu 2" before "Lieu 10"."""
    return [int(part) if i % 2 else part.casefold() for i, part in enumerate(_DIGITS.split(text))]


_DIGITS = re.compile(r"(\d+)")


def choice_order(field: str, choices) -> Case:
    """A choice field in its enum's order (the workflow's, not the codes' alphabet)."""
    return Case(
        *(When(**{field: value}, then=Value(i)) for i, value in enumerate(choices.values)),
        default=Value(len(choices.values)),
        output_field=IntegerField(),
    )


def _parse(value: str) -> tuple[str, bool]:
    return value.removeprefix("-"), value.startswith("-")


def _orderings(spec, descending: bool) -> tuple[list, object, bool]:
    """(ORM orderings with the pk tie-break, the last expression, its direction).

    `spec`: a field path, an expression or a tuple of them; a path written "-path" sorts
    the other way (a key "waiting" is the entry date, newest first)."""
    parts = spec if isinstance(spec, (tuple, list)) else (spec,)
    orderings, expr, desc = [], None, descending
    for part in parts:
        inverted = False
        if isinstance(part, str):
            path, inverted = _parse(part)
            part = F(path)
        expr, desc = part, descending != inverted
        # Empty values last both ways: a reader looks for the rows that have one.
        orderings.append(part.desc(nulls_last=True) if desc else part.asc(nulls_last=True))
    if not (isinstance(expr, F) and expr.name in ("pk", "id") and len(parts) == 1):
        orderings.append(F("pk").desc() if desc else F("pk").asc())
    return orderings, expr, desc


def _never_null(model, path: str) -> bool:
    """Whether the field at `path` (through relations) can never be NULL in a row."""
    for name in path.split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(name)
        except (FieldDoesNotExist, AttributeError):  # an annotation, or a path past a column
            return False
        if getattr(field, "null", True):
            return False
        model = field.related_model
    return True


def _indexable(ordering, model):
    """ "NULLS LAST" on a column that is never NULL changes nothing shown but keeps PostgreSQL
    from reading an index in that order (a plain DESC index sorts NULLs first): the order list
    sorted all 330,000 orders for a page of 50. Dropped where the column cannot be NULL."""
    if (
        isinstance(ordering, OrderBy)
        and isinstance(ordering.expression, F)
        and ordering.nulls_last
        and _never_null(model, ordering.expression.name)
    ):
        return OrderBy(ordering.expression, descending=ordering.descending)
    return ordering


@dataclass
class Sort:
    key: str
    descending: bool
    order_by: list
    # The single expression sorted on and its direction (for keyset pages), else None.
    keyset: tuple | None
    is_default: bool
    links_query: QueryDict  # the request's other filters, without sort and paging
    page_query: str  # the query string a pager link keeps (filters and sort)

    @property
    def param(self) -> str:
        return f"-{self.key}" if self.descending else self.key

    def apply(self, queryset):
        return queryset.order_by(*(_indexable(o, queryset.model) for o in self.order_by))

    def link(self, key: str) -> tuple[str, str | None]:
        """(href of the header of `key`, its aria-sort value or None when not sorted on it)."""
        active = key == self.key
        query = self.links_query.copy()
        query["sort"] = f"-{key}" if active and not self.descending else key
        aria = ("descending" if self.descending else "ascending") if active else None
        return f"?{query.urlencode()}", aria


def sort_for(request, allowed: dict, default: str) -> Sort:
    """The list's order from `?sort=`: `allowed` maps each key a user may sort on to its
    ordering (see _orderings), `default` is one of those keys, "-" first for descending."""
    key, descending = _parse(request.GET.get("sort", ""))
    is_default = key not in allowed or key.startswith("-")
    if is_default:
        key, descending = _parse(default)
    spec = allowed[key]
    order_by, expr, desc = _orderings(spec, descending)
    single = not isinstance(spec, (tuple, list))
    links = request.GET.copy()
    for name in ("sort", *PAGING_PARAMS):
        links.pop(name, None)
    page_query = links.copy()
    if not is_default:
        page_query["sort"] = f"-{key}" if descending else key
    return Sort(
        key=key,
        descending=descending,
        order_by=order_by,
        keyset=(expr, desc) if single else None,
        is_default=is_default,
        links_query=links,
        page_query=page_query.urlencode(),
    )
