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

__all__ = ["engine_input", "load_person_mentions"]


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
        plates = read_frame(conn, select(VehicleMention.incident_id, VehicleMention.vrm_normalised),
                            ["incident_id", "vrm_normalised"])  # fmt: skip
    frame = engine_input(persons, incidents, plates)
    return frame.merge(incidents[["incident_id", "submitter", "incident_ref"]], on="incident_id", how="left")


def engine_input(persons: pd.DataFrame, incidents: pd.DataFrame, plates: pd.DataFrame) -> pd.DataFrame:
    """The engine's input frame (``INPUT_COLUMNS``) from plain frames of the store: each mention
    with its incident's time, store and force, and the plates seen at the incident.

    ``incidents``: incident_id, occurred_at, store_id, police_force; ``plates``: incident_id,
    vrm_normalised (empty or missing for partial reads).
    """
    frame = persons.drop(columns=[c for c in ("occurred_at", "store_id", "police_force") if c in persons])
    frame = frame.merge(incidents[["incident_id", "occurred_at", "store_id", "police_force"]], on="incident_id",
                        how="left")  # fmt: skip
    known = plates[plates["vrm_normalised"].notna() & plates["vrm_normalised"].ne("")]
    by_incident = known.groupby("incident_id")["vrm_normalised"].agg(lambda s: sorted(set(s)))
    frame["vehicle_keys"] = [v if isinstance(v, list) else [] for v in frame["incident_id"].map(by_incident)]
    frame["aliases"] = [a if isinstance(a, list) else [] for a in frame["aliases"]]
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"])
    return frame.sort_values("mention_id", ignore_index=True)
