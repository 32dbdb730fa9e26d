"""The 2.34 GiB model (tests/large/test_simplify_large.py's make_model), written once per run and
shared by the simplify and quantize tests."""
import shutil

import pytest

from test_simplify_large import make_model


@pytest.fixture(scope="session")
def large_model(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("large")
    if shutil.disk_usage(tmp).free < (8 << 30):
        pytest.skip(f"needs 8 GB free in {tmp} for a 2.3 GB model and its simplified copy")
    src = str(tmp / "large.onnx")
    return src, make_model(src)
