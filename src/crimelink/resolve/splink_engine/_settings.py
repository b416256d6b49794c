"""The model: the settings, what is compared and at which levels, and the starting priors.

Every level carries a prior (m, u) written from what reports look like: these are the values
the model uses when there is too little data to train on (a handful of mentions in a test or a
new deployment), and the starting point of training otherwise. Training replaces u by random
sampling and m by expectation maximisation wherever the data allows.

Comparisons whose columns say nothing in the data at hand (all empty, or one value for all:
the single dummy store of a benchmark) are left out, since a constant column can only add
noise to training.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import splink.comparison_level_library as cll
from splink.comparison_library import CustomComparison
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator

__all__ = ["LinkageSettings", "comparisons", "informative"]


@dataclass(frozen=True)
class LinkageSettings:
    """How person mentions are linked; stored with each analysis run.

    ``threshold``: the match probability at which two mentions are joined. 0.95 is where
    pairwise F1 peaks on the 20,000-incident scenario (0.9 and 0.98 both score lower): below
    it, false edges chain clusters together; above it, true links between noisy reports are
    lost. ``deterministic_recall``: the share of true pairs the deterministic rules (same PNC
    id; same name and date of birth) are assumed to find, for the starting value of λ (the
    prior that two mentions match), which is then re-estimated by EM over all scored pairs.
    ``min_training_mentions`` / ``min_em_pairs``: below these, training is skipped and the
    written priors are used. ``min_label_pairs``: dated pairs sharing a PNC id needed to
    measure the date-of-birth m values on them rather than by EM. ``u_max_pairs`` /
    ``em_max_pairs`` / ``seed``: sampling for training. ``edge_floor``: scored pairs below
    this probability are not kept in ``edges`` (nothing below the threshold joins anything, and
    ``explain`` scores any other pair afresh; at 1,000,000 incidents each kept pair costs about
    130 bytes, and there are millions).
    ``context_pass``: join described-only mentions where context supports it (``_context``),
    with ``context_probability`` as their link's stated probability (the rule was right 98%
    of the time on the 20,000-incident scenario). ``threads`` / ``memory_limit``: DuckDB's
    (it spills to disk beyond the limit; 1 GB is too little for grouping the 22 million blocked
    pairs of 1,000,000 incidents). ``keep_blocked_pairs``: return the blocked pairs too, to
    measure blocking recall. ``pairs_per_mention``: the budget beyond which a
    typo-forgiving blocking rule is kept within police force areas (``blocking_rules``).
    ``backend``: "duckdb" (one machine) or "spark" (Splink's SparkAPI on the active Spark
    session, or a new one at ``spark_master``; needs the ``spark`` extra and Java).
    """

    method: str = "splink (DuckDB): u by random sampling, m by EM, λ by deterministic rules then EM"
    threshold: float = 0.95
    deterministic_recall: float = 0.6
    u_max_pairs: float = 2e6
    seed: int = 7
    min_training_mentions: int = 200
    min_em_pairs: int = 500
    min_label_pairs: int = 50
    em_max_pairs: float = 1e6
    edge_floor: float = 0.9
    context_pass: bool = True
    context_probability: float = 0.98
    threads: int = 2
    memory_limit: str = "2GB"
    keep_blocked_pairs: bool = False
    pairs_per_mention: float = 20.0
    backend: str = "duckdb"
    spark_master: str = "local[2]"

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def _level(sql: str, label: str, m: float, u: float, *, fixed: bool = False) -> ComparisonLevelCreator:
    """A level with its prior; ``fixed``: m stays the prior (u is still estimated)."""
    return cll.CustomLevel(sql, label_for_charts=label).configure(
        m_probability=m, u_probability=u, fix_m_probability=fixed
    )


def _null(sql: str) -> ComparisonLevelCreator:
    return cll.CustomLevel(sql, label_for_charts="missing on either side").configure(is_null_level=True)


def _else(m: float, u: float, *, fixed: bool = False) -> ComparisonLevelCreator:
    return cll.ElseLevel().configure(m_probability=m, u_probability=u, fix_m_probability=fixed)


def _exact_tf(column: str, label: str, m: float, u: float) -> ComparisonLevelCreator:
    return cll.ExactMatchLevel(column, term_frequency_adjustments=True).configure(
        m_probability=m, u_probability=u, label_for_charts=label
    )


_ALIAS = (
    "list_contains(alias_keys_r, name_key_l) OR list_contains(alias_keys_l, name_key_r)"
    " OR list_has_any(alias_keys_l, alias_keys_r)"
)


# "Ree Zachakry" for "Zachary Rees": each name close to the other's name in the other place.
_SWAPPED_TYPO = (
    "jaro_winkler_similarity(given_l, family_r) >= 0.88 AND jaro_winkler_similarity(family_l, given_r) >= 0.88"
)


def _given() -> ComparisonCreator:
    return CustomComparison(
        [
            _null("given_l IS NULL OR given_r IS NULL"),
            # An alias match is counted once, in the family-name comparison.
            cll.CustomLevel(_ALIAS, label_for_charts="compared through an alias (see family name)").configure(
                is_null_level=True
            ),
            _exact_tf("given", "same given name", 0.72, 0.02),
            _level("list_has_any(given_groups_l, given_groups_r)", "nickname or spelling of it", 0.08, 0.002),
            _level(
                # Both ways round: one shared word must not count as a given and a family name.
                "list_contains(tokens_r, given_l) AND list_contains(tokens_l, given_r)",
                "given names among each other's names (order swapped)",
                0.04,
                0.003,
            ).configure(tf_adjustment_column="given"),
            _level(_SWAPPED_TYPO, "given and family names swapped, with a typo", 0.02, 0.001),
            _level(
                "jaro_winkler_similarity(given_l, given_r) >= 0.9 OR levenshtein(given_l, given_r) <= 1",
                "one typo apart",
                0.06,
                0.01,
            ),
            _level("given_mp_l = given_mp_r", "sounds alike", 0.02, 0.01),
            _level("initial_l = initial_r", "same initial", 0.01, 0.07),
            _else(0.03, 0.88),
        ],
        output_column_name="given_name",
        comparison_description="first given name: exact, nickname, swapped, typo, phonetic, initial",
    )


def _family() -> ComparisonCreator:
    return CustomComparison(
        [
            _null("family_l IS NULL OR family_r IS NULL"),
            _level(_ALIAS, "one's name is the other's alias", 0.05, 1e-4),
            _exact_tf("family", "same family name", 0.78, 0.005),
            _level(
                "list_contains(tokens_r, family_l) OR list_contains(tokens_l, family_r)",
                "family name among the other's names (order swapped)",
                0.05,
                0.002,
            ).configure(tf_adjustment_column="family"),
            _level(_SWAPPED_TYPO, "given and family names swapped, with a typo", 0.02, 0.001),
            _level(
                "jaro_winkler_similarity(family_l, family_r) >= 0.92 OR levenshtein(family_l, family_r) <= 1",
                "one typo apart",
                0.08,
                0.003,
            ),
            _level("family_mp_l = family_mp_r", "sounds alike", 0.02, 0.004),
            _else(0.02, 0.98),
        ],
        output_column_name="family_name",
        comparison_description="family name (term-frequency adjusted): exact, swapped, typo, phonetic",
    )


def _dob() -> ComparisonCreator:
    return CustomComparison(
        [
            _null("dob_l IS NULL OR dob_r IS NULL"),
            _level("dob_l = dob_r", "same date of birth", 0.8, 5e-5),
            _level(
                "dob_y_l = dob_y_r AND dob_m_l = dob_d_r AND dob_d_l = dob_m_r",
                "day and month swapped",
                0.05,
                2e-6,
            ),
            _level(
                "dob_m_l = dob_m_r AND dob_d_l = dob_d_r AND abs(dob_y_l - dob_y_r) = 1",
                "a year out",
                0.06,
                1e-4,
            ),
            _level("hamming(dob_l, dob_r) <= 1", "one digit different", 0.03, 5e-4),
            _level("abs(dob_days_l - dob_days_r) <= 31", "within a month", 0.03, 2e-3),
            _level("dob_digits_l = dob_digits_r", "same digits in another order", 0.01, 2e-4),
            _else(0.005, 0.997),
        ],
        output_column_name="dob",
        comparison_description="date of birth, tolerant of a day/month swap, a year out, a typo",
    )


def _age() -> ComparisonCreator:
    gap = "greatest(born_lo_l, born_lo_r) - least(born_hi_l, born_hi_r)"
    return CustomComparison(
        [
            _null("born_lo_l IS NULL OR born_lo_r IS NULL OR (has_dob_l AND has_dob_r)"),
            _level(f"{gap} <= 0", "ages agree", 0.6, 0.2),
            _level(f"{gap} <= 3", "ages within 3 years", 0.3, 0.2),
            _level(f"{gap} <= 8", "ages within 8 years", 0.08, 0.2),
            _else(0.02, 0.4),
        ],
        output_column_name="age",
        comparison_description="years of birth allowed by each age range (or date of birth)",
    )


def _simple(column: str, label: str, levels: list[ComparisonLevelCreator], description: str) -> ComparisonCreator:
    return CustomComparison(
        [_null(f"{column}_l IS NULL OR {column}_r IS NULL"), *levels],
        output_column_name=label,
        comparison_description=description,
    )


def comparisons(features: pd.DataFrame) -> list[ComparisonCreator]:
    """The comparisons for these features (those with something to say in them)."""
    found: list[ComparisonCreator] = [_given(), _family(), _dob(), _age()]
    # Gender, build and the identifiers keep their written m (u is still estimated): EM finds
    # no disagreement among matches in clean or synthetic data and would drive m of "differs"
    # to zero, a veto; in real reports genders are misread, builds are subjective and people
    # move house. Identifiers are also too sparse for EM to estimate on its own.
    optional = {
        "gender": _simple(
            "gender",
            "gender",
            [
                _level("gender_l = gender_r", "same gender", 0.998, 0.5, fixed=True),
                _else(0.002, 0.5, fixed=True),
            ],
            "gender: a mismatch counts strongly against",
        ),
        "height_cm": _simple(
            "height_cm",
            "height",
            [
                _level("abs(height_cm_l - height_cm_r) <= 3", "within 3 cm", 0.6, 0.2),
                _level("abs(height_cm_l - height_cm_r) <= 7", "within 7 cm", 0.33, 0.25),
                _else(0.07, 0.55),
            ],
            "height as estimated: within 3 cm, within 7 cm",
        ),
        "build": _simple(
            "build",
            "build",
            [
                _level("build_l = build_r", "same build", 0.8, 0.3, fixed=True),
                _else(0.2, 0.7, fixed=True),
            ],
            "build as described",
        ),
        "postcode": _simple(
            "postcode",
            "postcode",
            [
                _level("postcode_l = postcode_r", "same postcode", 0.75, 1e-4, fixed=True),
                _level("postcode_sector_l = postcode_sector_r", "same postcode sector", 0.08, 1e-3, fixed=True),
                _level("postcode_sorted_l = postcode_sorted_r", "same characters, two swapped", 0.04, 1e-3, fixed=True),
                _level("levenshtein(postcode_l, postcode_r) <= 1", "one character different", 0.05, 5e-3, fixed=True),
                _else(0.08, 0.99, fixed=True),
            ],
            "home postcode: exact, same sector, characters swapped, one character different",
        ),
        "address": _simple(
            "address",
            "address",
            [
                _level("address_l = address_r", "same address", 0.45, 1e-5, fixed=True),
                _level(
                    "jaro_winkler_similarity(address_l, address_r) >= 0.95",
                    "a typo or two apart",
                    0.2,
                    5e-5,
                    fixed=True,
                ),
                _level(
                    "jaro_winkler_similarity(address_sorted_l, address_sorted_r) >= 0.95",
                    "the same words in another order",
                    0.08,
                    5e-5,
                    fixed=True,
                ),
                _level(
                    "jaro_winkler_similarity(address_street_l, address_street_r) >= 0.95",
                    "same house and street, town differs",
                    0.06,
                    5e-5,
                    fixed=True,
                ),
                _level("jaro_winkler_similarity(address_l, address_r) >= 0.88", "similar", 0.05, 1e-3, fixed=True),
                _level(
                    "len(list_intersect(address_words_l, address_words_r)) * 4"
                    " >= 3 * greatest(len(address_words_l), len(address_words_r))",
                    "most words in common (parts reordered or left out)",
                    0.05,
                    1e-4,
                    fixed=True,
                ),
                _level(
                    "address_head_l = address_head_r AND address_tail_l = address_tail_r",
                    "same number (first word) and town (last part)",
                    0.1,
                    2e-4,
                    fixed=True,
                ),
                _level("address_tail_l = address_tail_r", "same town (last part)", 0.04, 5e-3, fixed=True),
                _else(0.06, 0.99, fixed=True),
            ],
            "home address: exact, a typo or two, reordered, same street, similar, same number and town, same town",
        ),
        "pnc_id": _simple(
            "pnc_id",
            "pnc_id",
            [
                _level("pnc_id_l = pnc_id_r", "same PNC id", 0.98, 1e-6, fixed=True),
                _else(0.02, 0.999999, fixed=True),
            ],
            "Police National Computer id",
        ),
        "police_force": _simple(
            "police_force",
            "place",
            [
                _level("store_id_l = store_id_r", "same store", 0.15, 0.003),
                _level("police_force_l = police_force_r", "same force area", 0.35, 0.07),
                _else(0.5, 0.927),
            ],
            "where: same store, same police force area",
        ),
        "vehicle_keys": _simple(
            "vehicle_keys",
            "vehicle",
            [
                _level("list_has_any(vehicle_keys_l, vehicle_keys_r)", "a vehicle in common", 0.3, 5e-4),
                _else(0.7, 0.9995),
            ],
            "vehicles seen at their incidents",
        ),
    }
    linkable = features[features["linkable"]]
    for column, comparison in optional.items():
        if column in linkable and informative(linkable[column]):
            found.append(comparison)
    return found


_CONSTANT_AT = 50  # one value on this many mentions or more is a placeholder, not evidence


def informative(values: pd.Series) -> bool:
    """Whether a column can tell mentions apart here: given on at least two mentions, and not
    one value given on all of many (the single dummy store of a benchmark). A handful of
    mentions sharing one value (two reports with one PNC id) is evidence, not a placeholder."""
    present = values.dropna()
    if len(present) < 2:
        return False
    if isinstance(present.iloc[0], list):
        present = present.map(lambda v: "\x1f".join(map(str, v)))
    return not (len(present) == len(values) >= _CONSTANT_AT and present.nunique() == 1)
