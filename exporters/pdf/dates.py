"""The date a handout carries: its cover is laid out with the day, the joined PDF gets the date.

A course with no git history and no SOURCE_DATE_EPOCH is dated by its newest file, so it changes
date with every edit. The cover shows the day only, but its `<head>` gives the PDF's metadata its
date, to the second: laid out with it, the cover would be laid out again at every edit. So it is
laid out with the day's first second, and the join gives the whole the date (`redate`).
"""

from __future__ import annotations

from datetime import datetime

import pikepdf
from pikepdf import Dictionary, Name, Pdf, String

_W3C = "%Y-%m-%dT%H:%M:%SZ"  # dates are in UTC


def handout_dates(date: datetime) -> tuple[str, str]:
    """The handout's date (W3C) as its cover is laid out with it, and as the whole has it."""
    day = date.replace(hour=0, minute=0, second=0, microsecond=0)
    return day.strftime(_W3C), date.strftime(_W3C)


def redate(pdf: Pdf, laid: str, exact: str) -> None:
    """The dates of the document information and of the XMP metadata, `laid`, made `exact`: a
    date of the same length, so nothing else moves."""
    info = pdf.trailer.get(Name.Info)
    if isinstance(info, Dictionary):
        for key in (Name.CreationDate, Name.ModDate):
            if str(info.get(key, "")) == _pdf_date(laid):
                info[key] = String(_pdf_date(exact))
    metadata = pdf.Root.get(Name.Metadata)
    if isinstance(metadata, pikepdf.Stream) and Name.Filter not in metadata:
        metadata.write(metadata.read_raw_bytes().replace(laid.encode(), exact.encode()))


def _pdf_date(w3c: str) -> str:
    """A W3C date in UTC ("2026-12-07T14:03:21Z") as WeasyPrint writes it in a PDF."""
    return "D:" + w3c.translate(str.maketrans("", "", "-T:"))
