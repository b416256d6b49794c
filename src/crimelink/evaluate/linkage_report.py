"""The linkage scores as a terminal table: one line per kind of mention, pairwise and B-cubed."""

from __future__ import annotations

from crimelink.evaluate.linkage import LinkageScores, ScorePair

__all__ = ["linkage_lines"]


def _line(label: str, pair: ScorePair) -> str:
    p, b = pair.pairwise, pair.b_cubed
    return (
        f"{label:<16} {p.items:>9,}  pairwise P {p.precision:.4f} R {p.recall:.4f} F1 {p.f1:.4f}"
        f"  ·  B-cubed P {b.precision:.4f} R {b.recall:.4f} F1 {b.f1:.4f}"
    )


def linkage_lines(scores: LinkageScores) -> list[str]:
    """Named person mentions, all person mentions and vehicle mentions, then what was left out."""
    lines = [
        f"{'mentions':<16} {'scored':>9}",
        _line("persons (named)", scores.persons_named),
        _line("persons (all)", scores.persons_all),
        _line("vehicles", scores.vehicles),
    ]
    lines += [f"{key.replace('_', ' ')}: {value:,}" for key, value in scores.unmatched.items() if value]
    return lines
