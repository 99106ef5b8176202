"""Where the Open Referral HSDS files are: ../shared/hsds or HSDS_SPEC_DIR.

Outside CI a missing folder skips the tests that need it, with the reason; in CI it fails them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def spec_dir() -> Path:
    candidate = Path(os.environ.get("HSDS_SPEC_DIR") or ROOT.parent / "shared" / "hsds")
    if not (candidate / "schema").is_dir():
        message = f"HSDS specification files not found at {candidate} (set HSDS_SPEC_DIR)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return candidate
