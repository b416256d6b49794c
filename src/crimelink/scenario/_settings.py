"""The knobs of a scenario: what an independent evaluation varies to see whether conclusions hold.

A method tuned to one generator's habits looks better than it is. These settings move the things
that real national data varies and that the analysis is most sensitive to: how many suspects are
seen only as a description, how crowded the name space is, cloned plates, how big groups are and
how their membership turns over, how far offenders travel, and how noisy the reports are. The
defaults reproduce the generator as it has always been (the demo's scenario); ``GRID`` names the
cells that ``make bench`` reports the worst case over.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from crimelink.errors import InvalidValue

__all__ = ["GRID", "ScenarioSettings"]

DEFAULT_DESCRIBED = 0.64  # share of a group member's retailer mentions with no name, by default


@dataclass(frozen=True)
class ScenarioSettings:
    """How a scenario differs from the generator's default world.

    Attributes:
        described_share: share of suspect mentions seen only as a description (masked,
            unknown to staff); None keeps the default mix (about 64 % for group members).
        common_names: how many times more people share each very common full name
            ("John Smith", "Mohammed Khan") than by default: 1 is the default, 5 a crowded
            national picture.
        cloned_plates: share of organised groups' vehicles that wear a plate copied from
            another vehicle of a different make or model.
        group_size: the fewest and most members a group starts with.
        turnover: share of a group's members who leave part-way through the period, each
            replaced by a newcomer.
        travel: how far offenders roam: multiplies a group's route length and a lone
            offender's radius.
        noise: multiplies the rates of typos, misread and partial plates and wrong dates
            of birth.
    """

    described_share: float | None = None
    common_names: float = 1.0
    cloned_plates: float = 0.0
    group_size: tuple[int, int] = (3, 8)
    turnover: float = 0.0
    travel: float = 1.0
    noise: float = 1.0

    def __post_init__(self) -> None:
        if self.described_share is not None and not 0.0 <= self.described_share < 1.0:
            raise InvalidValue("described_share", self.described_share, "a share from 0 to below 1")
        for name in ("cloned_plates", "turnover"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise InvalidValue(name, getattr(self, name), "a share from 0 to 1")
        for name in ("common_names", "travel", "noise"):
            if not 0.0 < getattr(self, name) <= 20.0:
                raise InvalidValue(name, getattr(self, name), "a factor above 0 and at most 20")
        low, high = self.group_size
        if not 2 <= low <= high <= 30:
            raise InvalidValue("group_size", self.group_size, "2 <= fewest <= most <= 30")

    @property
    def named_factor(self) -> float:
        """What every 'is this person named?' chance is multiplied by."""
        if self.described_share is None:
            return 1.0
        return (1.0 - self.described_share) / (1.0 - DEFAULT_DESCRIBED)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# The grid ``make bench`` reports on: each cell moves several knobs at once, to the ends of the
# ranges an independent evaluation used. None of them is the demo's default world.
GRID: dict[str, ScenarioSettings] = {
    "masked": ScenarioSettings(described_share=0.9, turnover=0.3, cloned_plates=0.2),
    "crowded": ScenarioSettings(described_share=0.5, common_names=5.0, noise=2.0, cloned_plates=0.1),
    "open": ScenarioSettings(described_share=0.3, group_size=(5, 12), travel=2.0, turnover=0.15),
    "big-groups": ScenarioSettings(described_share=0.75, group_size=(6, 14), common_names=3.0,
                                   cloned_plates=0.3, noise=1.5),
}
