"""The domain model where the stages meet: value types of the field and the exchange format.

Each value type is cleaned and validated here, once, and used by intake, linkage and the UI.
"""

from crimelink.domain.exchange import IncidentReport
from crimelink.domain.forces import FORCE_IDS, PoliceForce, all_forces, police_force
from crimelink.domain.grading import Grading, HandlingCode, IntelligenceAssessment, SourceEvaluation
from crimelink.domain.offences import OffenceType
from crimelink.domain.organisations import OrganisationKind, Role, organisation_code
from crimelink.domain.person_name import PersonName
from crimelink.domain.postcode import Postcode
from crimelink.domain.registration import PlateFormat, RegistrationMark

__all__ = [
    "FORCE_IDS",
    "Grading",
    "HandlingCode",
    "IncidentReport",
    "IntelligenceAssessment",
    "OffenceType",
    "OrganisationKind",
    "PersonName",
    "PlateFormat",
    "PoliceForce",
    "Postcode",
    "RegistrationMark",
    "Role",
    "SourceEvaluation",
    "all_forces",
    "organisation_code",
    "police_force",
]
