"""QR codes for the instrument labels, drawn locally as SVG (no external service, no CDN), and the
labels of a printed sheet."""

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import qrcode
from qrcode.image.svg import SvgPathImage

from jiliang.registry import public_code


def qr_svg(text: str) -> bytes:
    """An SVG QR code of ``text`` with error correction level M (a label may get scuffed)."""
    image = qrcode.make(text, image_factory=SvgPathImage, error_correction=qrcode.constants.ERROR_CORRECT_M,
                        box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class Label:
    instrument: object  # a registry Instrument with its type
    grouped_code: str
    public_url: str  # what its QR code (public_qr, cached a day by the browser) encodes


def labels(instruments: Iterable, public_url: Callable[[str], str]) -> list[Label]:
    """One label per instrument; ``public_url(code)`` is the absolute address of its public page."""
    return [Label(instrument=instrument, grouped_code=public_code.grouped(instrument.public_code),
                  public_url=public_url(instrument.public_code)) for instrument in instruments]
