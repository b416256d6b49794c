"""Who takes part: organisations of three kinds, and the roles their users hold."""

from __future__ import annotations

import re
from enum import StrEnum

from crimelink.errors import InvalidValue

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,31}$")  # the exchange format's submitter pattern


class OrganisationKind(StrEnum):
    RETAILER = "retailer"
    POLICE_FORCE = "police_force"
    NATIONAL_UNIT = "national_unit"


class Role(StrEnum):
    """Roles, in the words of the people who hold them."""

    RETAIL_REPORTER = "retail_reporter"
    RETAIL_MANAGER = "retail_manager"
    NATIONAL_ANALYST = "national_analyst"
    FORCE_INVESTIGATOR = "force_investigator"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


def organisation_code(text: str) -> str:
    """An organisation's code as submitters write it in every incident."""
    code = text.strip().upper()
    if not _CODE.match(code):
        raise InvalidValue("code", text, "2-32 capital letters, digits or '-', starting with a letter or digit")
    return code
