"""Jiliang's transparency log: a verifiable, append-only Merkle log.

The modules in this package are pure Python with no Django import, so that an auditor, a witness or
a test can check the log with nothing but ``cryptography``:

* ``merkle``: RFC 9162 section 2.1 hashing, proofs and their verification, the append frontier.
* ``tiles``: C2SP tlog-tiles arithmetic, paths and entry bundles.
* ``note``: C2SP signed notes, Ed25519 keys, and the tlog-cosignature signature types.
* ``checkpoint``: C2SP tlog-checkpoint text.
* ``receipt``: C2SP tlog-proof, the offline-verifiable receipt for one entry.
* ``witness``: the pure decision logic of a C2SP tlog-witness ``add-checkpoint`` request.
"""
