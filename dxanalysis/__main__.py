"""``python -m dxanalysis``: the ``dx`` command (:mod:`dxanalysis.cli.main`)."""

import sys

from .cli.main import main

if __name__ == "__main__":  # batch workers are spawned and import this module: they must not run it
    sys.exit(main())
