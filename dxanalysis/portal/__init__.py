"""The National Public Service Portal's 2026 reporting API: client, field mapping, ``dx fetch``.

``client``   polite, replayable HTTP (timeouts, retries, raw answers with sidecars, offline replay)
``mapping``  which answer field feeds which indicator (``params/portal.yaml``)
``fetch``    months x provinces -> observations.csv, index766.csv, missing.csv
``fake``     a local stand-in serving answers in the documented shape (SYNTHETIC numbers), for
             tests and benchmarks; never the real portal
"""
