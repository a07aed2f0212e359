"""Form helpers shared by every app's pages."""

from jiliang import concurrency
from jiliang.errors import DomainError


def apply_domain_error(form, error: DomainError) -> None:
    """Show a service's refusal on the form: each problem under its field (or above the form when
    the field is not on it), and the message itself when it names no field or the record changed."""
    for name, problems in error.fields.items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)
    if not error.fields or isinstance(error, concurrency.Stale):
        form.add_error(None, error.message)
