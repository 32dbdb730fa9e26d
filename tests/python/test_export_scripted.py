"""piu.export of a torch.jit.script'ed module that calls its own methods and branches on tensor data:
the branch becomes an ONNX If, and both sides match torch."""
import numpy as np
import pytest

import piu

pytestmark = pytest.mark.torch


def test_a_scripted_module_with_a_branch_on_data_exports_an_onnx_if(tmp_path):
    import torch

    class Gate(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Linear(4, 4)
            self.register_buffer("offset", torch.full((4,), 0.5))

        def _open(self, x):
            return self.a(x) + self.offset

        def _closed(self, x):
            return x * 0.0 - self.offset

        def forward(self, x):
            if bool(x.mean() > 0):
                return self._open(x)
            return self._closed(x)

    torch.manual_seed(0)
    scripted = torch.jit.script(Gate().eval())
    out = tmp_path / "gate.onnx"
    assert piu.export(scripted, out, shapes=[-1, 4])["verified"] is True
    assert piu.inspect(str(out))["op_histogram"]["If"] == 1
    session = piu.Session(str(out))
    rng = np.random.default_rng(5)
    for sign in (1.0, -1.0):
        x = (np.abs(rng.standard_normal((3, 4))) * sign).astype(np.float32)
        with torch.no_grad():
            want = scripted(torch.from_numpy(x)).numpy()
        np.testing.assert_allclose(session.run([x])[0], want, rtol=1e-5, atol=1e-6)
