from tests.verification.conftest import world  # noqa: F401  (instruments with real certificates)
