"""VerificationState's copies of its instrument's county, type and "in use under mandatory
verification" (``county``, ``instrument_type``, ``in_use``) are the database's to keep.

A trigger fills them on every new state, however it is inserted (the services, the bulk history,
COPY); another follows every change of those instrument columns (a site moved to another county, a
status changed), whether a service, an import or a plain UPDATE made it. Migration 0005 creates
them. On SQLite a migration that rebuilds either table (Django's way of altering a column there)
drops its triggers, so ``keep`` runs again after every ``migrate`` (apps.py) and creates any that
are missing; PostgreSQL alters tables in place and keeps them.
"""

IN_USE = "(status = 'in_use' AND mandatory)"
FILL = ("UPDATE verification_verificationstate SET (county_id, instrument_type_id, in_use) = "
        f"(SELECT county_id, type_id, {IN_USE} FROM registry_instrument i WHERE i.id = instrument_id)")
FOLLOW = ("UPDATE verification_verificationstate SET county_id = NEW.county_id, instrument_type_id = NEW.type_id, "
          "in_use = (NEW.status = 'in_use' AND NEW.mandatory) WHERE instrument_id = NEW.id")
CHANGED = ("OLD.county_id IS DISTINCT FROM NEW.county_id OR OLD.type_id IS DISTINCT FROM NEW.type_id "
           "OR OLD.status IS DISTINCT FROM NEW.status OR OLD.mandatory IS DISTINCT FROM NEW.mandatory")
WATCHED = "AFTER UPDATE OF county_id, type_id, status, mandatory ON registry_instrument"

SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS verification_state_copies_instrument
        AFTER INSERT ON verification_verificationstate
        FOR EACH ROW BEGIN {FILL} WHERE instrument_id = NEW.instrument_id; END""",
    f"""CREATE TRIGGER IF NOT EXISTS verification_state_follows_instrument {WATCHED}
        FOR EACH ROW WHEN {CHANGED.replace("IS DISTINCT FROM", "IS NOT")} BEGIN {FOLLOW}; END""",
]
POSTGRESQL = [
    f"""CREATE OR REPLACE FUNCTION verification_state_copies_instrument() RETURNS trigger AS $$
        BEGIN
            SELECT county_id, type_id, {IN_USE} INTO NEW.county_id, NEW.instrument_type_id, NEW.in_use
            FROM registry_instrument WHERE id = NEW.instrument_id;
            RETURN NEW;
        END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS verification_state_copies_instrument ON verification_verificationstate",
    """CREATE TRIGGER verification_state_copies_instrument BEFORE INSERT ON verification_verificationstate
        FOR EACH ROW EXECUTE FUNCTION verification_state_copies_instrument()""",
    f"""CREATE OR REPLACE FUNCTION verification_state_follows_instrument() RETURNS trigger AS $$
        BEGIN {FOLLOW}; RETURN NULL; END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS verification_state_follows_instrument ON registry_instrument",
    f"""CREATE TRIGGER verification_state_follows_instrument {WATCHED}
        FOR EACH ROW WHEN ({CHANGED}) EXECUTE FUNCTION verification_state_follows_instrument()""",
]
DROP = {
    "sqlite": ["DROP TRIGGER IF EXISTS verification_state_copies_instrument",
               "DROP TRIGGER IF EXISTS verification_state_follows_instrument"],
    "postgresql": ["DROP TRIGGER IF EXISTS verification_state_copies_instrument ON verification_verificationstate",
                   "DROP TRIGGER IF EXISTS verification_state_follows_instrument ON registry_instrument",
                   "DROP FUNCTION IF EXISTS verification_state_copies_instrument()",
                   "DROP FUNCTION IF EXISTS verification_state_follows_instrument()"],
}


def keep(connection) -> None:
    """Create the two triggers (again, when a table rebuild dropped them)."""
    with connection.cursor() as cursor:
        for statement in SQLITE if connection.vendor == "sqlite" else POSTGRESQL:
            cursor.execute(statement)


def stop(connection) -> None:
    with connection.cursor() as cursor:
        for statement in DROP[connection.vendor]:
            cursor.execute(statement)
