""" "Did you mean" for near misses of names the user typed."""

from __future__ import annotations

from collections.abc import Collection, Iterable

__all__ = ["MAX_WORD", "closest", "did_you_mean", "distance"]

# Longer words get no suggestion: nobody typo'd a name that long, and comparing costs its square.
MAX_WORD = 64


def distance(a: str, b: str) -> int:
    """Edits between ``a`` and ``b``: inserting, deleting or replacing a character, or swapping
    two neighbours (``nmae`` → ``name``), each count 1 (optimal string alignment distance)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def closest(word: str, choices: Iterable[str], prefer: Collection[str] = ()) -> str | None:
    """The choice ``word`` is most likely a typo of, or None when none is close.

    Candidates within a few edits (one for words up to five letters, then one more per three
    letters; a swap of two neighbours is one edit, case is ignored) win, the fewest edits first;
    ties go to a choice in ``prefer`` (the fields of the place the word was written), then to one
    with the same first letter, then to the most similar by difflib's ratio, then alphabetically.
    Without such a candidate, difflib's close matches (a word cut short: ``hardware`` →
    ``hardware_metrics``)."""
    import difflib  # only for a config with a near miss: a valid one loads without it

    options = sorted(set(choices))
    if not options:
        return None
    lowered = word.lower()
    if len(word) > MAX_WORD:
        return None
    limit = max(1, (len(word) - 2) // 3)
    # Words whose lengths differ by more than the limit are further apart than it: not compared.
    scored = [(distance(lowered, c.lower()), c) for c in options if abs(len(c) - len(word)) <= limit]
    near = [(d, c) for d, c in scored if d <= limit and d < len(c)]
    if near:

        def rank(item: tuple[int, str]) -> tuple[int, bool, bool, float, str]:
            d, c = item
            same_start = c[:1].lower() == lowered[:1]
            ratio = difflib.SequenceMatcher(None, lowered, c.lower()).ratio()
            return (d, c not in prefer, not same_start, -ratio, c)

        return min(near, key=rank)[1]
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str], prefer: Collection[str] = ()) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest choice, or ``""`` when none is close."""
    found = closest(word, choices, prefer)
    return f"; did you mean '{found}'?" if found else ""
