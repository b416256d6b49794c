"""Blocking: which pairs the model scores, which rules fix λ, and which EM trains on.

Blocking recall, not the model, limits recall (``FIELD-NOTES``: tight rules lost 5-12% of true
pairs on FEBRL); loose rules grow with the square of the data. The rules here balance the two,
and ``crimelink.evaluate.blocking_recall`` measures what they cost on a scenario.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from splink import block_on
from splink.blocking_rule_library import CustomRule
from splink.internals.blocking_rule_creator import BlockingRuleCreator

from crimelink.resolve.splink_engine._settings import informative

__all__ = ["blocking_rules", "deterministic_rules", "training_rules"]


def _pair_count(frame: pd.DataFrame, columns: list[str], explode: str | None) -> int:
    """Pairs an equi-join on ``columns`` would produce (an exploded list column counts each
    of its values)."""
    data = frame[columns].explode(explode) if explode else frame[columns]
    keyed = data.dropna()
    if keyed.empty:
        return 0
    sizes = keyed.groupby(columns, sort=False).size().to_numpy(dtype=np.int64)
    return int((sizes * (sizes - 1) // 2).sum())


def blocking_rules(features: pd.DataFrame, pairs_per_mention: float = 20.0) -> list[BlockingRuleCreator]:
    """Pairs worth scoring: any rule that pairs them (each is an equi-join).

    The exact rules (PNC id; the name in any order, nicknames folded, or an alias; date of
    birth; family name and year of birth; address; postcode) pair mentions anywhere. A rule
    that forgives a typo (family name and initial; phonetic codes; a given name and the first
    or last two letters of the family name) pairs every "J Smith" with every other, which grows
    with the square of the data: beyond ``pairs_per_mention`` pairs per linkable mention it is
    kept within one police force area (where the data has areas). A typo'd report needs to
    meet only one other report of its person to join the cluster, and most offenders offend
    mostly at home. Keeping all five within areas on the 200,000-incident scenario cost 1.1% of
    the pairs any clustering could reach (97.6% instead of 98.7%) for a third as many pairs
    scored; at 1,000,000 incidents it turns 99 million blocked pairs into 23 million.
    """
    linkable = features[features["linkable"]] if "linkable" in features else features
    has_area = "police_force" in linkable and informative(linkable["police_force"])
    budget = pairs_per_mention * max(len(linkable), 1)
    derived = linkable.assign(
        family_head=linkable["family"].str[:2], family_tail=linkable["family"].str[-2:]
    ) if len(linkable) else linkable  # fmt: skip
    forgiving = [
        (["family", "initial"], ["family", "initial"], None),
        (["family_mp", "initial"], ["family_mp", "initial"], None),
        (["given_mp", "family_sdx"], ["given_mp", "family_sdx"], None),
        (["given_groups", "substr(family, 1, 2)"], ["given_groups", "family_head"], "given_groups"),
        (["given_groups", "right(family, 2)"], ["given_groups", "family_tail"], "given_groups"),
    ]
    rules: list[BlockingRuleCreator] = [
        block_on("pnc_id"),
        block_on("all_keys", arrays_to_explode=["all_keys"]),
        block_on("dob"),
        block_on("family", "substr(dob, 1, 4)"),
    ]
    for keys, columns, explode in forgiving:
        local = has_area and len(linkable) > 0 and _pair_count(derived, columns, explode) > budget
        rules.append(
            block_on(*keys, *(["police_force"] if local else []), arrays_to_explode=[explode] if explode else None)
        )
    if "address" in features and features["address"].notna().any():
        rules += [block_on("address"), block_on("address_head", "address_tail")]
    if "postcode" in features and features["postcode"].notna().any():
        rules.append(block_on("postcode"))
    return rules


def deterministic_rules() -> list[BlockingRuleCreator]:
    """Rules that admit almost no false pairs: for λ, the prior probability of a match."""
    return [block_on("pnc_id"), CustomRule("l.name_key = r.name_key AND l.dob = r.dob")]


def training_rules() -> list[BlockingRuleCreator]:
    """EM blocking rules: each leaves the comparisons it does not use to be estimated."""
    return [block_on("family_mp", "given_mp"), block_on("dob")]
