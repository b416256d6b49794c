"""Reading person mentions out of the store into the engine's input frame.

The analysis pipeline has its own loader; this one serves the benchmark, the scenario check
and anyone who wants to run the engine on a store directly. It adds the keys that tie a
mention to the ground truth of a generated scenario (``submitter``, ``incident_ref``,
``person_ref``); the engine ignores columns it does not know.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, Executable, select

from crimelink.store import StoreHandle
from crimelink.store.models import Incident, Organisation, PersonMention, VehicleMention

__all__ = ["load_person_mentions"]

_READ_BATCH = 50_000


def load_person_mentions(*, store: StoreHandle) -> pd.DataFrame:
    """Every person mention in the store, in the engine's column contract plus truth keys."""
    with store.engine.connect() as conn:
        persons = _frame(conn, select(
            PersonMention.id, PersonMention.incident_id, PersonMention.person_ref, PersonMention.name,
            PersonMention.given_names, PersonMention.family_name, PersonMention.aliases, PersonMention.dob,
            PersonMention.age_min, PersonMention.age_max, PersonMention.gender, PersonMention.height_cm,
            PersonMention.build, PersonMention.address, PersonMention.postcode, PersonMention.pnc_id,
        ), ["mention_id", "incident_id", "person_ref", "name", "given_names", "family_name", "aliases", "dob",
            "age_min", "age_max", "gender", "height_cm", "build", "address", "postcode", "pnc_id"])  # fmt: skip
        incidents = _frame(conn, select(
            Incident.id, Incident.occurred_at, Incident.store_id, Incident.police_force, Organisation.code,
            Incident.incident_ref,
        ).join(Organisation, Organisation.id == Incident.submitter_id),
            ["incident_id", "occurred_at", "store_id", "police_force", "submitter", "incident_ref"])  # fmt: skip
        vehicles = _frame(
            conn,
            select(VehicleMention.incident_id, VehicleMention.vrm_normalised).where(
                VehicleMention.vrm_normalised.is_not(None), VehicleMention.vrm_normalised != ""
            ),
            ["incident_id", "vrm"],
        )
    frame = persons.merge(incidents, on="incident_id", how="left")
    plates = vehicles.groupby("incident_id")["vrm"].agg(lambda s: sorted(set(s)))
    frame["vehicle_keys"] = frame["incident_id"].map(plates)
    frame["vehicle_keys"] = [v if isinstance(v, list) else [] for v in frame["vehicle_keys"]]
    together = frame.groupby("incident_id")["mention_id"].agg(list)
    frame["co_mentions"] = [
        [other for other in group if other != own]
        for own, group in zip(frame["mention_id"], frame["incident_id"].map(together), strict=True)
    ]
    frame["aliases"] = [a if isinstance(a, list) else [] for a in frame["aliases"]]
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"])
    return frame.sort_values("mention_id", ignore_index=True)


def _frame(conn: Connection, statement: Executable, columns: list[str]) -> pd.DataFrame:
    result = conn.execution_options(yield_per=_READ_BATCH).execute(statement)
    parts: list[Any] = [pd.DataFrame.from_records(part, columns=columns) for part in result.partitions()]
    if not parts:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})
    return pd.concat(parts, ignore_index=True)
