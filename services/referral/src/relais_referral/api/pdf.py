"""A person's export as a PDF (weasyprint), from a French HTML template rendered by Jinja2."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

from relais_referral.api.schemas_privacy import ExportOut


@cache
def _environment() -> Environment:
    # Autoescape: names, motives and comments are the person's and counsellors' own text.
    return Environment(
        loader=PackageLoader("relais_referral.api", "templates"), autoescape=select_autoescape(default=True)
    )


def export_html(export: ExportOut) -> str:
    return _environment().get_template("export.html").render(e=export)


def render_export_pdf(export: ExportOut) -> bytes:
    from weasyprint import HTML  # imported here: Pango loads with it, only processes that render need it

    pdf: bytes = HTML(string=export_html(export)).write_pdf()
    return pdf
