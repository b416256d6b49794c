"""Reading person mentions out of the store into the engine's input frame.

The analysis pipeline has its own loader; this one serves the benchmark, the scenario check
and anyone who wants to run the engine on a store directly. It adds the keys that tie a
mention to the ground truth of a generated scenario (``submitter``, ``incident_ref``,
``person_ref``); the engine ignores columns it does not know.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from crimelink.store import StoreHandle
from crimelink.store.frames import read_frame
from crimelink.store.models import Incident, Organisation, PersonMention, VehicleMention

__all__ = ["load_person_mentions"]


def load_person_mentions(*, store: StoreHandle) -> pd.DataFrame:
    """Every person mention in the store, in the engine's column contract plus truth keys."""
    with store.engine.connect() as conn:
        persons = read_frame(conn, select(
            PersonMention.id, PersonMention.incident_id, PersonMention.person_ref, PersonMention.name,
            PersonMention.given_names, PersonMention.family_name, PersonMention.aliases, PersonMention.dob,
            PersonMention.age_min, PersonMention.age_max, PersonMention.gender, PersonMention.height_cm,
            PersonMention.build, PersonMention.address, PersonMention.postcode, PersonMention.pnc_id,
        ), ["mention_id", "incident_id", "person_ref", "name", "given_names", "family_name", "aliases", "dob",
            "age_min", "age_max", "gender", "height_cm", "build", "address", "postcode", "pnc_id"])  # fmt: skip
        incidents = read_frame(conn, select(
            Incident.id, Incident.occurred_at, Incident.store_id, Incident.police_force, Organisation.code,
            Incident.incident_ref,
        ).join(Organisation, Organisation.id == Incident.submitter_id),
            ["incident_id", "occurred_at", "store_id", "police_force", "submitter", "incident_ref"])  # fmt: skip
        vehicles = read_frame(
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
    frame["aliases"] = [a if isinstance(a, list) else [] for a in frame["aliases"]]
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"])
    return frame.sort_values("mention_id", ignore_index=True)
