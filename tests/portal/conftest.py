from tests.verification.conftest import world  # noqa: F401  (an authorised institution, an owner, certificates)
