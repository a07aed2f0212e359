"""Form widgets every app shares.

The browser's date and datetime-local inputs accept only ISO values (``2028-12-05``,
``2028-12-05T09:30``). Django's default widgets render a date in the active locale's first input
format (``2028/12/05`` for zh-hans), which the browser rejects and shows empty: a form posted back
unchanged then erases the date. These widgets always render ISO, whatever the locale.
"""

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME_MINUTES = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=ISO_DATE)


class DateTimeInput(forms.DateTimeInput):
    """A datetime-local input; ``forms.DateTimeField`` hands it the value already in the current time
    zone (Beijing time), and parses the posted ISO value back in that zone."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=ISO_DATETIME_MINUTES)
