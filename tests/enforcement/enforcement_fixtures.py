"""Constants shared by the enforcement tests."""

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
PDF = b"%PDF-1.4\n%test evidence\n"
