"""Words for codes, shown beside them on pages and in the JSON twins."""

from __future__ import annotations

# Where an incident's police force came from (Incident.police_force_source).
FORCE_SOURCES = {
    "given": "given by the submitter",
    "derived": "derived from location",
    "unknown": "unknown: no force given and no usable location",
}

# The 3x5x2 grading (College of Policing APP, intelligence management).
SOURCE_EVALUATION = {"1": "Reliable", "2": "Untested source", "3": "Not reliable"}
INTELLIGENCE_ASSESSMENT = {
    "A": "Known directly to the source",
    "B": "Known indirectly to the source but corroborated",
    "C": "Known indirectly to the source",
    "D": "Not known",
    "E": "Suspected to be false or malicious",
}
HANDLING_CODE = {"P": "Lawful sharing permitted", "C": "Lawful sharing permitted with conditions"}
