"""Password complexity beyond Django's validators: several character classes, as GB/T 22239 asks."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CHARACTER_CLASSES = (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())


class CharacterClassValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        used = sum(any(test(c) for c in password) for test in CHARACTER_CLASSES)
        if used < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _("密码须包含大写字母、小写字母、数字、符号中的至少 %(n)d 类。") % {"n": self.min_classes}
