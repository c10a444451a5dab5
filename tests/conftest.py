import os

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")


# The build cache (dxanalysis.run.build_cache) is off in tests unless a test turns it on: a step
# must run where a test expects it to run, and a test must not write into the user's cache.
os.environ["DX_BUILD_CACHE"] = "off"


@pytest.fixture
def write(tmp_path):
    """Write text (or bytes) to a file in tmp_path and return its path."""

    def _write(name: str, content, encoding: str = "utf-8"):
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding=encoding)
        return path

    return _write
