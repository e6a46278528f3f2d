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

from collections import deque
from collections.abc import Hashable, Iterable

THRESHOLD = 5

Key = Hashable
Group = tuple[Key, list[Key]]


def suppress(
    cells: dict[Key, int], groups: Iterable[Group], threshold: int = THRESHOLD
) -> set[Key]:
    """The keys to hide. A key absent from `cells` counts 0.

    A group can only change when one of its members is hidden, so after a first pass over
    every group only the groups of a newly hidden cell are checked again (first in, first
    out: the result does not depend on which report asked)."""
    groups = [(parent, children) for parent, children in groups if children]
    get = cells.get
    hidden = {key for key, n in cells.items() if n < threshold}
    member_of: dict[Key, list[int]] = {}
    for index, (parent, children) in enumerate(groups):
        for key in (parent, *children):
            if get(key, 0) > 0:  # a zero cell never makes a group sensitive
                member_of.setdefault(key, []).append(index)
    queue = deque(range(len(groups)))
    queued = set(queue)
    while queue:
        index = queue.popleft()
        queued.discard(index)
        parent, children = groups[index]
        sensitive = 0
        for key in (parent, *children):
            if key in hidden and get(key, 0) > 0:
                sensitive += 1
                if sensitive > 1:
                    break
        if sensitive != 1:
            continue
        shown = [k for k in children if k not in hidden and get(k, 0) > 0]
        if shown:
            new = min(shown, key=lambda k: (get(k, 0), repr(k)))
        elif parent not in hidden:
            new = parent
        else:  # the parent and one child hidden, every other child zero: nothing to find
            continue
        hidden.add(new)
        for other in member_of.get(new, ()):
            if other not in queued:
                queued.add(other)
                queue.append(other)
    return hidden


def is_hidden(key: Key, cells: dict[Key, int], hidden: set[Key], threshold=THRESHOLD) -> bool:
    return key in hidden or cells.get(key, 0) < threshold
