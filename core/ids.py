"""Ids from URLs: a number beyond what the column can hold matches no row.

Django already answers "nothing" for an out-of-range integer compared with an integer column
(`id=…`), but not through a foreign key (`batch_id=…`, `batch=…`) nor in an `__in` list,
where SQLite raises OverflowError and PostgreSQL "out of range": HTTP 500 from any filter,
view, API or admin list that passes a typed number on. These lookups, registered once for
every foreign key and integer column (core.apps), give the same answer as an unknown id: an
empty result."""

from django.core.exceptions import EmptyResultSet
from django.db.models import ForeignObject, IntegerField
from django.db.models.fields.related_lookups import RelatedExact, RelatedIn
from django.db.models.lookups import In


def _range(lhs, connection) -> tuple[int | None, int | None]:
    field = lhs.output_field
    target = getattr(field, "target_field", field)
    try:
        return connection.ops.integer_field_range(target.get_internal_type())
    except KeyError:  # not an integer column (a text key): no range to check
        return None, None


def _in_range(value, bounds) -> bool:
    low, high = bounds
    if not isinstance(value, int) or isinstance(value, bool):
        return True
    return (low is None or value >= low) and (high is None or value <= high)


class _InRangeValues:
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            bounds = _range(self.lhs, connection)
            if self.lookup_name == "exact":
                if not _in_range(self.rhs, bounds):
                    raise EmptyResultSet
            else:
                kept = [v for v in self.rhs if _in_range(v, bounds)]
                if not kept:
                    raise EmptyResultSet
                self.rhs = kept
        return super().process_rhs(compiler, connection)


class RelatedExactInRange(_InRangeValues, RelatedExact):
    pass


class RelatedInInRange(_InRangeValues, RelatedIn):
    pass


class IntegerInInRange(_InRangeValues, In):
    pass


def register() -> None:
    ForeignObject.register_lookup(RelatedExactInRange)
    ForeignObject.register_lookup(RelatedInInRange)
    IntegerField.register_lookup(IntegerInInRange)
