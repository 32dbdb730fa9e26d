"""pytest plugin for piu's Python test suites (loaded with `-p piu_pytest`, tests/ on PYTHONPATH).

Markers:
  torch  the test needs piu's torch plugin (the exporter, the LibTorch backend). With
         PIU_WITH_TORCH=OFF (the environment CTest passes) such tests are deselected: not
         registered, rather than skipped. With it ON they always run; a missing plugin fails them.
  gpu    the test needs a GPU; its skip reason starts with "needs a GPU", the only kind of skip
         that scripts/test_summary.py accepts.
"""
import os

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "torch: needs piu's torch plugin (absent with -DPIU_WITH_TORCH=OFF)")
    config.addinivalue_line("markers", "gpu: needs a GPU (skipped with a reason starting 'needs a GPU')")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("PIU_WITH_TORCH", "ON").upper() not in ("OFF", "0", "FALSE"):
        return
    kept = [item for item in items if item.get_closest_marker("torch") is None]
    dropped = [item for item in items if item.get_closest_marker("torch") is not None]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
