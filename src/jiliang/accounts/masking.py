"""Masking of personal data (phone numbers, resident ID numbers) for lists, audit rows and logs.

Pure functions, no Django: the same rules apply in a page, an export and a log line.
"""

import logging
import re

# Mainland mobile numbers (11 digits starting 1[3-9]) and landlines with an area code.
PHONE_PATTERN = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
# Resident identity card numbers, GB 11643: 17 digits and a check character.
ID_NUMBER_PATTERN = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")


def mask_phone(value: str | None) -> str:
    """'13812345678' -> '138****5678': the first three and last four digits stay, the rest is starred."""
    if not value:
        return ""
    text = value.strip()
    if len(text) < 8:
        return "*" * max(0, len(text) - 2) + text[-2:]
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


def mask_id_number(value: str | None) -> str:
    """'513701199001011234' -> '5137**********1234'."""
    if not value:
        return ""
    text = value.strip()
    if len(text) <= 8:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def mask_personal_data(text: str) -> str:
    """Mask every phone and ID number found in free text (log messages, remarks)."""
    text = ID_NUMBER_PATTERN.sub(lambda m: mask_id_number(m.group(0)), text)
    return PHONE_PATTERN.sub(lambda m: mask_phone(m.group(0)), text)


class PersonalDataLogFilter(logging.Filter):
    """Rewrites a log record's message so that no phone or ID number reaches the log files."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_personal_data(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def mask_owner_name(name: str, uscc: str) -> str:
    """An owner's name as a public page may show it. A 个体工商户 (USCC registration code 92)
    is often named after a person, so only its first character stays: '张三烧烤店' -> '张****'.
    A company's name is public record and stays whole."""
    if not uscc.startswith("92") or len(name) <= 1:
        return name
    return name[0] + "*" * (len(name) - 1)
