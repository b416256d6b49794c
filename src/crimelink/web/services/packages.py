"""The intelligence package as a page and as a PDF: the same template, the print stylesheet beside it."""

from __future__ import annotations

from functools import cache

from crimelink.reports.package import PackageDocument, package_pdf
from crimelink.web.rendering import STATIC_DIR, templates

__all__ = ["package_html", "package_pdf_bytes", "print_stylesheet"]


@cache
def print_stylesheet() -> str:
    return (STATIC_DIR / "package.css").read_text(encoding="utf-8")


def package_html(document: PackageDocument, *, for_pdf: bool = False, pdf_url: str | None = None) -> str:
    """The package as a standalone HTML document (the page, or what WeasyPrint prints)."""
    return templates.get_template("package.html").render(
        p=document.package, map_svg=document.map_svg, chart_svg=document.chart_svg, for_pdf=for_pdf, pdf_url=pdf_url
    )


def package_pdf_bytes(document: PackageDocument) -> bytes:
    return package_pdf(package_html(document, for_pdf=True), stylesheet=print_stylesheet())
