"""One person, one member: a group's members whose names are spellings of one another are one person.

Person linkage works report by report, and across a nation it must be careful: "Owen MILLER" and
"Oeen MILLER" are two records until something more than the name joins them. Inside a detected
group there is something more. Two records that offend *with the same group* and whose names
differ only by a typo, a swapped order or a missing middle name are far more likely one person
than two: the group is a few dozen people, not the nation. Without this step the package a
force receives lists the same man three times, and he is "arrested" twice in one operation.

Two members of one group are the same person when all of these hold:

* they were never named in the same incident (two people seen together are two people);
* their genders do not clash, and their dates of birth agree within the linkage's tolerance
  (the same date, a day and month swapped, or one part out) where both are known;
* every word of the shorter name (at least two words) matches a word of the longer one: the
  same word, or one typo apart (Damerau-Levenshtein ≤ 1, for words of four letters or more);
* no analyst's decision touches either record (decisions are obeyed as the linkage made them).

Records are merged transitively, never into a cluster that would hold two people seen together.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection
from dataclasses import dataclass

import jellyfish
import pandas as pd

__all__ = ["AliasSettings", "member_aliases"]


@dataclass(frozen=True)
class AliasSettings:
    """When two members of one group are taken to be one person; stored with each analysis run."""

    enabled: bool = True
    min_words: int = 2
    typo_min_length: int = 4  # shorter words must match exactly ("Al" is not "Ali")
    max_group_members: int = 200  # pairs within a group are compared: a bound on the work


def member_aliases(
    *, members: pd.DataFrame, offenders: pd.DataFrame, names: pd.DataFrame, appearances: pd.DataFrame,
    decided: Collection[int] = (), settings: AliasSettings | None = None,
) -> pd.DataFrame:
    """offender_id, into, reason: the member records that are another member's spellings.

    Args:
        members: group_id, offender_id.
        offenders: offender_id, dob (date or None), gender.
        names: offender_id, given_names, family_name — one row per mention (every spelling).
        appearances: offender_id, incident_id.
        decided: offender ids an analyst's decision touches (left as they are).
    """
    settings = settings or AliasSettings()
    out: list[tuple[int, int, str]] = []
    if not settings.enabled or members.empty:
        return pd.DataFrame(out, columns=["offender_id", "into", "reason"])
    spellings = _spellings(names[names["offender_id"].isin(members["offender_id"])])
    about = offenders.set_index("offender_id")
    incidents = appearances.groupby("offender_id")["incident_id"].agg(frozenset)
    for _group, block in members.groupby("group_id"):
        ids = sorted(int(o) for o in block["offender_id"] if int(o) not in decided)
        if len(ids) < 2 or len(ids) > settings.max_group_members:
            continue
        parent = {o: o for o in ids}
        seen = {o: set(incidents.get(o, frozenset())) for o in ids}
        cluster = {o: [o] for o in ids}
        why: dict[int, str] = {}

        for a, b in itertools.combinations(ids, 2):
            ra, rb = _root(parent, a), _root(parent, b)
            if ra == rb or seen[ra] & seen[rb]:
                continue
            words = _same_name(spellings.get(a, []), spellings.get(b, []), settings)
            if words is None or not all(_compatible(about, x, y) for x in cluster[ra] for y in cluster[rb]):
                continue  # every record of the two clusters must agree, not only the pair
            keep, gone = min(ra, rb), max(ra, rb)
            parent[gone] = keep
            seen[keep] |= seen.pop(gone)
            cluster[keep] += cluster.pop(gone)
            why[gone] = words
        for o in ids:
            target = _root(parent, o)
            if target != o:
                out.append((o, target, f"same group, same person: {why.get(o, 'a spelling of the same name')}"))
    return pd.DataFrame(out, columns=["offender_id", "into", "reason"])


def _root(parent: dict[int, int], o: int) -> int:
    while parent[o] != o:
        o = parent[o]
    return o


def _spellings(names: pd.DataFrame) -> dict[int, list[tuple[str, ...]]]:
    """Each offender's distinct names, as sorted tuples of upper-case words (order-insensitive)."""
    out: dict[int, set[tuple[str, ...]]] = {}
    for offender, given, family in zip(names["offender_id"], names["given_names"], names["family_name"],
                                       strict=True):
        text = " ".join(str(v) for v in (given, family) if isinstance(v, str) and v)
        words = tuple(sorted(w for w in text.upper().replace("-", " ").split() if w.isalpha()))
        if words:
            out.setdefault(int(offender), set()).add(words)
    return {k: sorted(v) for k, v in out.items()}


def _word_match(a: str, b: str, settings: AliasSettings) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) < settings.typo_min_length:
        return False
    return int(jellyfish.damerau_levenshtein_distance(a, b)) <= 1


def _same_name(
    left: list[tuple[str, ...]], right: list[tuple[str, ...]], settings: AliasSettings,
) -> str | None:
    """'Owen MILLER ~ Oeen MILLER' when some spelling of one is a spelling of the other."""
    for x, y in itertools.product(left, right):
        short, long = (x, y) if len(x) <= len(y) else (y, x)
        if len(short) < settings.min_words:
            continue
        free = list(long)
        for word in short:
            hit = next((w for w in free if _word_match(word, w, settings)), None)
            if hit is None:
                break
            free.remove(hit)
        else:
            return f"{' '.join(x).title()} ~ {' '.join(y).title()}"
    return None


def _compatible(about: pd.DataFrame, a: int, b: int) -> bool:
    """Genders that do not clash and dates of birth within the linkage's tolerance."""
    if a not in about.index or b not in about.index:
        return False
    ga, gb = about.at[a, "gender"], about.at[b, "gender"]
    if isinstance(ga, str) and isinstance(gb, str) and ga and gb and ga != gb and "unknown" not in (ga, gb):
        return False
    da, db = about.at[a, "dob"], about.at[b, "dob"]
    if da is None or db is None or pd.isna(da) or pd.isna(db):
        return True
    da, db = pd.Timestamp(da), pd.Timestamp(db)
    parts = [(da.year, db.year), (da.month, db.month), (da.day, db.day)]
    differing = sum(1 for p, q in parts if p != q)
    swapped = da.year == db.year and da.month == db.day and da.day == db.month
    return differing <= 1 or swapped
