"""The .deb, built once for every package test (pkgroot.build_deb)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pkgroot import build_deb  # noqa: E402


@pytest.fixture(scope="session")
def deb():
    return build_deb()
