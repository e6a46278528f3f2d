"""Keyset pagination and cheap counts: a page costs the same at row 10 and at row 900,000,
and no page runs COUNT(*) over the whole table."""

from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import EmptyResultSet
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connection, connections
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from rest_framework.pagination import CursorPagination

COUNT_CAP = 1000
# A list's page: the same length everywhere, so that every row of a long list is reachable
# (a coordinator's 330,000 orders included) and a page costs the same at any volume.
LIST_PAGE = 50


# Rows a list counts for its "Page 2 of 100": past them it says "of more than 100" and pages
# on, so that the count costs the same for a structure's 60 orders and a coordinator's 330,000
# (a COUNT(*) over them was half of that list's time at a million devices).
LIST_COUNTED = 5000
BIGINT_MAX = 2**63 - 1


def list_page(request, queryset):
    """The `?page=` of a list, numbered (a number past the end is the last page)."""
    return CappedPaginator(queryset, LIST_PAGE).get_page(request.GET.get("page"))


class CappedPaginator(Paginator):
    """Django's paginator counting at most `cap` rows (`more` says there are others). Past
    them a page reads one row more than it shows to know whether another follows."""

    def __init__(self, object_list, per_page, cap=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap or LIST_COUNTED
        self.more = False

    @cached_property
    def count(self) -> int:
        if not hasattr(self.object_list, "query"):  # a list: its length is known
            return len(self.object_list)
        n, self.more = capped_count(self.object_list, self.cap)
        return n

    def validate_number(self, number):
        if not (self.count and self.more):
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        if number * self.per_page > BIGINT_MAX:  # past any table, and past SQL's OFFSET
            raise EmptyPage(self.error_messages["no_results"])
        return number

    def get_page(self, number):
        try:
            return super().get_page(number)
        except EmptyPage:  # past the end of a list longer than its count
            return self.page(self.num_pages)

    def page(self, number):
        number = self.validate_number(number)
        if not self.more:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows:
            raise EmptyPage(self.error_messages["no_results"])
        return CappedPage(rows[: self.per_page], number, self, len(rows) > self.per_page)


class CappedPage(Page):
    def __init__(self, object_list, number, paginator, has_next: bool):
        super().__init__(object_list, number, paginator)
        self._has_next = has_next

    def has_next(self) -> bool:
        return self._has_next


@dataclass
class KeysetPage:
    object_list: list
    next_after: int | None
    first: bool
    count_label: str | None = None
    count: int | None = None
    prev_before: int | None = None  # the first row's id, when rows come before this page


def _cursor(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def keyset_page(
    qs, *, after: str | None, before: str | None = None, size: int = 50, keyset=None
) -> KeysetPage:
    """Newest first on the primary key; `after` is the last id of the previous page, `before`
    the first id of the next one (the way back: the same order read backwards from it).

    `keyset`: (expression, descending) to page on that expression then the primary key, as
    core.sorting orders a list; the expression must never be NULL. The cursor stays a row's id:
    the value to start from is read from that row (one indexed query, from page 2)."""
    after_id = _cursor(after)
    before_id = _cursor(before) if after_id is None else None
    cursor_id = after_id if after_id is not None else before_id
    backward = before_id is not None
    if keyset is None:
        if cursor_id is not None:
            qs = qs.filter(pk__gt=cursor_id) if backward else qs.filter(pk__lt=cursor_id)
        rows = list(qs.order_by("pk" if backward else "-pk")[: size + 1])
    else:
        expr, desc = keyset
        if cursor_id is not None:
            anchor = qs.filter(pk=cursor_id).annotate(keyset_anchor=expr)
            anchor = list(anchor.values_list("keyset_anchor", flat=True)[:1])
        qs = qs.alias(keyset_value=expr)
        if cursor_id is not None:
            if anchor:
                op = "lt" if desc != backward else "gt"  # backwards: the other side
                qs = qs.filter(
                    Q(**{f"keyset_value__{op}": anchor[0]})
                    | Q(keyset_value=anchor[0], **{f"pk__{op}": cursor_id})
                )
            else:  # the row is gone or hidden: start again from the first page
                cursor_id, backward = None, False
        reading_desc = desc != backward
        ordering = (
            (F("keyset_value").desc(), F("pk").desc()) if reading_desc else ("keyset_value", "pk")
        )
        rows = list(qs.order_by(*ordering)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backward:
        rows.reverse()
        first = not more
        return KeysetPage(
            rows, rows[-1].pk if rows else None, first, prev_before=None if first else rows[0].pk
        )
    first = cursor_id is None
    return KeysetPage(
        rows,
        rows[-1].pk if more and rows else None,
        first,
        prev_before=rows[0].pk if rows and not first else None,
    )


def estimated_count(model) -> int | None:
    """PostgreSQL's planner estimate for a whole table (instant); None elsewhere."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [model._meta.db_table],
        )
        row = cursor.fetchone()
    return max(0, row[0]) if row and row[0] >= 0 else None


def related_count(model, field: str, **filters):
    """How many `model` rows point at each listed row through `field`, as a correlated
    subquery. A list pays it only for the rows of its page (PostgreSQL evaluates costly output
    expressions after ORDER BY ... LIMIT), where annotating Count() over a join aggregates the
    user's whole scope first: 726 ms for the coordinator's batch list at 1,000,000 devices. The
    count stays sortable (then it is computed for every row, the order asks for it)."""
    rows = (
        model._default_manager.filter(**{field: OuterRef("pk")}, **filters)
        .order_by()
        .values(field)
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def capped_count(qs, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """Count up to `cap` rows only: (count, more_than_cap)."""
    n = qs.order_by().values("pk")[: cap + 1].count()  # ids only: no annotation computed
    return min(n, cap), n > cap


def first_per_value(qs, field: str, values, *, limit: int, key) -> dict:
    """The first `limit` rows of `qs` (already ordered) for each of `values` of `field`, as
    {value: [rows]}: one indexed scan per value, so a value's rows never wait on a sort of the
    whole scope. Where the database allows a LIMIT inside UNION ALL (PostgreSQL) the scans are
    one query, not one compiled and sent per value. `key(row)` is the order again, applied in
    Python to each value's rows: SQL does not promise the order of a union's output."""
    values = list(dict.fromkeys(values))
    rows = {value: [] for value in values}
    if not values:
        return rows
    parts = [qs.filter(**{field: value})[:limit] for value in values]
    if len(parts) > 1 and connections[qs.db].features.supports_slicing_ordering_in_compound:
        found = list(parts[0].union(*parts[1:], all=True))
    else:
        found = [row for part in parts for row in part]
    for row in found:
        rows[getattr(row, field)].append(row)
    for value in values:
        rows[value].sort(key=key)
    return rows


def capped_counts(qs, field: str, values, cap: int | None = None) -> dict:
    """How many rows of `qs` hold each value of `field`, each counted up to `cap` rows only,
    in one query: {value: (count, more_than_cap)}. A page's status tiles then cost the same
    for a workshop of 500 devices and for the coordinator's million (a GROUP BY over the
    user's whole scope cost 240 ms there); each part reads at most cap + 1 index entries."""
    cap = cap or COUNT_CAP
    values = list(values)
    if not values:
        return {}
    parts, params = [], []
    template = None
    for value in values:
        if template is not None and value is not None:  # the first one's SQL, this value
            sql, sub_params = template[0], list(template[1])
            sub_params[template[2]] = value
        else:
            sub = qs.filter(**{field: value}).order_by().values("pk")[: cap + 1]
            try:
                sql, sub_params = sub.query.sql_with_params()
            except EmptyResultSet:  # qs.none(): a user who sees no row
                return {v: (0, False) for v in values}
            # Compiling the subquery was most of the cost (10 statuses, 10 compilations):
            # once is enough when the value appears once among its parameters.
            places = [i for i, p in enumerate(sub_params) if p == value]
            if len(places) == 1 and value is not None:  # None compiles to IS NULL
                template = (sql, tuple(sub_params), places[0])
        parts.append(f"SELECT %s, (SELECT COUNT(*) FROM ({sql}) capped)")
        params += [value, *sub_params]
    with connections[qs.db].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        found = {value: n for value, n in cursor.fetchall()}
    return {value: (min(found.get(value, 0), cap), found.get(value, 0) > cap) for value in values}


class IdCursorPagination(CursorPagination):
    """The API's keyset pagination on the primary key: no COUNT(*), same cost on every page."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
