from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _keep_state_copies(using: str = "default", **kwargs) -> None:
    """SQLite drops a table's triggers when a migration rebuilds it: create any that are missing
    (state_copies), once the state's copy columns exist."""
    from django.db import connections

    from jiliang.verification import state_copies

    connection = connections[using]
    if connection.vendor != "sqlite" or "verification_verificationstate" not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        columns = {c.name for c in connection.introspection.get_table_description(cursor, "verification_verificationstate")}
    if "in_use" in columns:
        state_copies.keep(connection)


class VerificationConfig(AppConfig):
    name = "jiliang.verification"
    verbose_name = _("检定与溯源")

    def ready(self) -> None:
        from jiliang.verification import figures  # noqa: F401  (registers the dashboard figures)
        from jiliang.verification import due_home, home  # noqa: F401  (register the home-page cards)
        from jiliang.verification import due_views  # noqa: F401  (registers the instruments' bulk request)

        post_migrate.connect(_keep_state_copies, sender=self)
