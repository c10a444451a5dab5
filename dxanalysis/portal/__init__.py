"""The National Public Service Portal's 2026 reporting API: client, field mapping, ``dx fetch``.

``client``   polite, replayable HTTP (deadlines, retries, a size cap, a run-wide stop, offline replay)
``store``    raw answers byte for byte with sidecars (sha256, whether they passed the checks); heals itself
``checks``   what comes over the wire, before it is read: envelope, shape per endpoint, counts
``units``    which service-results entry is which province (ambiguity is an error)
``pages``    every page of an answer, capped, stopped on a repeated page
``mapping``  which answer field feeds which indicator (``params/portal.yaml``)
``unit_rows`` every department and commune an answer lists -> units.csv rows (wards matched)
``fetch``    months x provinces -> observations.csv, index766.csv, units.csv, missing.csv
``fake``     a local stand-in serving answers in the documented shape (SYNTHETIC numbers), for
             tests and benchmarks; never the real portal (``fake_units``: the units it lists)
"""
