"""Statistical disclosure control for the figures a funder reads.

A table is a set of cells (any hashable key → a count) and of additive groups: a parent cell is
the sum of its children (a year of its quarters, a department of its communes, "all
programmes" of each programme, the people of their age bands). The rule:

1. primary suppression: every cell below THRESHOLD is hidden, zero included, so that a hidden
   cell does not tell whether anybody is in it and a category is always listed;
2. secondary suppression: in every group, the hidden cells that count somebody are never alone:
   a single one would be the parent minus the shown cells. While a group has exactly one,
   the smallest shown child (or, without one, the parent) is hidden as well, and the groups are
   checked again until none changes.

Every hidden cell shows the same sign, so a reader cannot tell a small figure from one hidden to
protect it. The table is built the same way whatever the figure asked for, so two reports, for
two nested periods or territories, hide consistently."""

from collections.abc import Hashable, Iterable

THRESHOLD = 5

Key = Hashable
Group = tuple[Key, list[Key]]


def suppress(
    cells: dict[Key, int], groups: Iterable[Group], threshold: int = THRESHOLD
) -> set[Key]:
    """The keys to hide. A key absent from `cells` counts 0."""
    groups = [(parent, list(children)) for parent, children in groups if children]

    def value(key) -> int:
        return cells.get(key, 0)

    hidden = {key for key, n in cells.items() if n < threshold}
    # Cells outside `cells` are zero: hidden, but they protect nobody and need no protection.
    changed = True
    while changed:
        changed = False
        for parent, children in groups:
            members = [parent, *children]
            sensitive = [k for k in members if k in hidden and value(k) > 0]
            if len(sensitive) != 1:
                continue
            shown = sorted(
                (value(k), repr(k), k) for k in children if k not in hidden and value(k) > 0
            )
            if shown:
                hidden.add(shown[0][2])
            elif parent not in hidden:
                hidden.add(parent)
            else:  # the parent and one child hidden, every other child zero: nothing to find
                continue
            changed = True
    return hidden


def is_hidden(key: Key, cells: dict[Key, int], hidden: set[Key], threshold=THRESHOLD) -> bool:
    return key in hidden or cells.get(key, 0) < threshold
