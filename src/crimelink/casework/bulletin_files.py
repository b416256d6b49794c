"""``crimelink bulletin``: one organisation's bulletin written to a file, as HTML, text or PDF.

The bulletin itself (what is counted, what is withheld or sanitised for the reader) is
:func:`crimelink.casework.bulletins.bulletin`; this module only chooses the period, records the
production in the audit log (the bulletin names offenders: no entry, no bulletin) and writes the
file. The PDF carries the bulletin's marking at the head and foot of every page, so that a printed
page taken on its own still says how it must be handled.
"""

from __future__ import annotations

from datetime import date
from html import escape
from pathlib import Path

from crimelink.casework.bulletins import Bulletin, Period, bulletin
from crimelink.casework.priority import data_as_of
from crimelink.errors import InvalidValue
from crimelink.store import StoreHandle

__all__ = ["FORMATS", "bulletin_pdf", "period_for", "write_bulletin"]

FORMATS = ("html", "text", "pdf")

_PRINT = """
@page { size: A4; margin: 18mm 15mm;
  @top-center { content: "%(marking)s"; font: bold 9pt Arial, sans-serif; }
  @bottom-center { content: "%(marking)s · page " counter(page) " of " counter(pages);
                   font: 8pt Arial, sans-serif; color: #5d6d7e; } }
body { margin: 0; }
.bulletin { max-width: none !important; }
table { page-break-inside: auto; } tr { page-break-inside: avoid; }
th, td { padding: 2px 6px; }
"""


def period_for(newest: date | None, since: date | None, until: date | None) -> Period:
    """The period asked for; by default the 28 days up to the newest incident (as the web page)."""
    end = until or newest or date.today()
    return Period(since, end) if since else Period.ending(end)


def _document(made: Bulletin) -> str:
    """The bulletin's HTML as a page of its own (the bulletin itself is a fragment, for email)."""
    title = escape(f"{made.marking}: crimelink bulletin for {made.organisation_name}")
    head = f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
    return f"{head}\n<body>\n{made.html}\n</body></html>\n"


def bulletin_pdf(made: Bulletin) -> bytes:
    """The bulletin's HTML as an A4 PDF, marked at the head and foot of every page."""
    from crimelink.reports.package import package_pdf

    return package_pdf(_document(made), stylesheet=_PRINT % {"marking": made.marking})


def write_bulletin(
    *,
    store: StoreHandle,
    organisation_code: str,
    out: Path,
    since: date | None = None,
    until: date | None = None,
    fmt: str = "html",
    as_user: str | None = None,
) -> Bulletin:
    """Make the bulletin, record it in the audit log, and write it to ``out``.

    Raises:
        InvalidValue: an unknown format, or a period that ends before it starts.
        NotFound: no such organisation (or ``as_user`` is not an active user).
    """
    from crimelink.audit.operator import cli_actor
    from crimelink.audit.service import record

    if fmt not in FORMATS:
        raise InvalidValue("format", fmt, f"must be one of {', '.join(FORMATS)}")
    with store.session() as session:
        newest = data_as_of(session)
        period = period_for(newest.date() if newest else None, since, until)
        made = bulletin(session=session, organisation_code=organisation_code, period=period)
        actor = cli_actor(session=session, as_user=as_user, national=True, what="a bulletin from the command line")
        record(
            session=session, actor=actor, action="bulletin.produce", purpose="bulletin", subject_type="organisation",
            subject_id=made.organisation, details={"from": str(period.start), "to": str(period.end), "format": fmt},
        )  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "pdf":
        out.write_bytes(bulletin_pdf(made))
    else:
        out.write_text(_document(made) if fmt == "html" else made.text, encoding="utf-8")
    return made
