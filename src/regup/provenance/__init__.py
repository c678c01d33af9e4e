"""Provenance: proving that an entry's image was built where its ``provenance`` block says.

- :mod:`~regup.provenance.oci`: the OCI distribution client (httpx, anonymous + bearer token);
- :mod:`~regup.provenance.discover`: cosign ``.sig`` signatures and sigstore bundle referrers;
- :mod:`~regup.provenance.policy`: the declared fields as sigstore policy objects;
- :mod:`~regup.provenance.verify`: sigstore-python verification, binding, identity;
- :mod:`~regup.provenance.run`: :func:`~regup.provenance.run.verify_entries`, the one call
  behind ``regup verify`` and ``regup refresh --provenance``;
- :mod:`~regup.provenance.state`: results as data and the committed state file (offline:
  the only part that build, info and the catalog import).

This package's ``__init__`` imports nothing, so reading the state stays offline.
"""
