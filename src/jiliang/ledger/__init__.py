"""Jiliang's transparency log: a verifiable, append-only Merkle log.

The modules in this package are pure Python with no Django import, so that an auditor, a witness or
a test can check the log with nothing but ``cryptography``:

* ``merkle``: RFC 9162 section 2.1 hashing, proofs and their verification, the append frontier.
* ``tiles``: C2SP tlog-tiles arithmetic, paths and entry bundles.
* ``note``: C2SP signed notes and Ed25519 note keys.
* ``checkpoint``: C2SP tlog-checkpoint text.
* ``cosignature``: C2SP tlog-cosignature, Ed25519 (cosignature/v1) and ML-DSA-44 (subtree/v1).
* ``receipt``: C2SP tlog-proof, the offline-verifiable receipt for one entry.
"""
