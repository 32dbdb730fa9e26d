import pytest

from piu_command import BIN, MODELS, model, piu  # noqa: F401 (the test files import them from here)


@pytest.fixture
def run_piu():
    return piu
