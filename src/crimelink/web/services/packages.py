"""The intelligence package as a page and as a PDF: the same template, the print stylesheet beside it.

The PDF is produced as a job (``crimelink.reports.package_pdfs``). A download of a short package
(up to :data:`SHORT_PAGES` pages, about a second's work: most of them) waits for its PDF; that of a
long one waits :data:`WAIT_SECONDS` and then answers with a page that shows the job's progress and
asks again each second, until the PDF comes. A script chooses with the ``Prefer`` header (RFC 7240):
``respond-async`` for the progress at once, ``wait=N`` to wait up to N seconds for the PDF itself.
"""

from __future__ import annotations

import base64
from functools import cache

from crimelink.reports.package import PackageDocument, package_key, package_pdf
from crimelink.reports.package_pdfs import PdfJob, PdfJobs
from crimelink.reports.package_schemas import IntelligencePackage
from crimelink.web.rendering import STATIC_DIR, templates

__all__ = [
    "SHORT_PAGES",
    "WAIT_SECONDS",
    "expected_pages",
    "package_html",
    "package_pdf_bytes",
    "pdf_job",
    "print_stylesheet",
    "progress_html",
    "waiting_time",
]

SHORT_PAGES = 12  # a package expected to fill no more is waited for: its PDF takes about a second
WAIT_SECONDS = 1.2  # a longer one's: with gathering the package, the first answer within 2 s
LONGEST_WAIT = 120.0  # what a short package's download, or ``Prefer: wait=N``, may wait
PDFS = PdfJobs()  # this process's PDFs: under way, and the last ones done


@cache
def print_stylesheet() -> str:
    return (STATIC_DIR / "package.css").read_text(encoding="utf-8")


def package_html(document: PackageDocument, *, for_pdf: bool = False, pdf_url: str | None = None) -> str:
    """The package as a standalone HTML document (the page, or what WeasyPrint prints).

    For print the map and the chart go in as SVG images rather than inline: WeasyPrint then reads
    them with its XML parser, not its (pure Python) HTML parser, a third of the cover pages' time.
    """
    return templates.get_template("package.html").render(
        p=document.package,
        map_svg=document.map_svg,
        chart_svg=document.chart_svg,
        map_image=_svg_image(document.map_svg) if for_pdf else None,
        chart_image=_svg_image(document.chart_svg) if for_pdf else None,
        for_pdf=for_pdf,
        pdf_url=pdf_url,
    )


def _svg_image(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def package_pdf_bytes(document: PackageDocument) -> bytes:
    """The package's PDF, produced now in this thread (the jobs call this)."""
    return package_pdf(package_html(document, for_pdf=True), stylesheet=print_stylesheet())


def expected_pages(package: IntelligencePackage) -> int:
    """About how many pages the PDF has (for the progress bar): four or five for the cover, the
    subjects and the pictures, then about ten incidents and thirty timeline entries a page."""
    return 4 + len(package.subjects) // 30 + round(len(package.incidents) / 10 + len(package.timeline) / 30)


def pdf_job(document: PackageDocument) -> PdfJob:
    """The job that produces (or produced) this package's PDF."""
    return PDFS.job(
        package_key(document),
        lambda: package_pdf_bytes(document),
        produced_at=document.package.produced_at,
        pages_expected=expected_pages(document.package),
    )


def waiting_time(job: PdfJob, prefer: str | None) -> float:
    """How long a download waits for its PDF: by the package's length, or its ``Prefer`` header."""
    wait = LONGEST_WAIT if job.pages_expected <= SHORT_PAGES else WAIT_SECONDS
    for preference in (prefer or "").split(","):
        name, _, value = (part.strip().lower() for part in preference.partition("="))
        if name == "respond-async":
            return 0.0
        if name == "wait":
            try:
                wait = min(max(float(value.strip('"')), 0.0), LONGEST_WAIT)
            except ValueError:  # a preference not understood is ignored (RFC 7240 §2)
                continue
    return wait


def progress_html(document: PackageDocument, job: PdfJob, *, back_url: str) -> str:
    """The page shown while the PDF is produced: how far it has got; it asks again each second."""
    return templates.get_template("package_progress.html").render(p=document.package, job=job, back_url=back_url)
