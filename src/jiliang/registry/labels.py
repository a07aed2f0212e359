"""QR codes for the instrument labels, drawn locally as SVG (no external service, no CDN)."""

import io

import qrcode
from qrcode.image.svg import SvgPathImage


def qr_svg(text: str) -> bytes:
    """An SVG QR code of ``text`` with error correction level M (a label may get scuffed)."""
    image = qrcode.make(text, image_factory=SvgPathImage, error_correction=qrcode.constants.ERROR_CORRECT_M,
                        box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()
