"""piu export of a TorchScript model whose weights exceed 2 GB (2.34 GiB: two Linear layers of
1024 x 307200): the ONNX is written with external data (OUT.onnx.data), verified against LibTorch
from that file, and loads back. Its peak resident memory is printed (docs/export.md records it).

The TorchScript file is made by Debian's /usr/bin/python3 (its torch is the LibTorch piu links)."""
import os
import subprocess

import onnx
import pytest

from test_simplify_large import BIN, run_measured

GEN = """
import sys, torch
torch.manual_seed(0)
class Big(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(1024, 300 * 1024)
        self.b = torch.nn.Linear(300 * 1024, 1024)
    def forward(self, x):
        return self.b(torch.relu(self.a(x)))
torch.jit.trace(Big().eval(), torch.randn(1, 1024)).save(sys.argv[1])
"""


def mem_available():
    for line in open("/proc/meminfo"):
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return 0


@pytest.mark.torch
def test_export_over_2gb(tmp_path):
    if mem_available() < 12 * 2**30:
        pytest.skip(f"needs 12 GiB of available memory, {mem_available() / 2**30:.1f} GiB here")
    pt = tmp_path / "big.pt"
    subprocess.run(["/usr/bin/python3", "-c", GEN, str(pt)], check=True, timeout=600)
    out = tmp_path / "big.onnx"
    code, stdout, stderr, peak = run_measured([os.path.join(BIN, "piu"), "export", str(pt), "-o", str(out),
                                               "--shape", "-1x1024", "--opset", "17"])
    assert code == 0, stderr
    assert "verified against LibTorch" in stdout
    data = tmp_path / "big.onnx.data"
    assert data.exists() and data.stat().st_size > 2 * 2**30, "weights go to external data past 2 GB"
    m = onnx.load(str(out), load_external_data=False)
    assert m.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    weights = data.stat().st_size
    print(f"\npeak RSS of piu export: {peak / 2**30:.2f} GiB for {weights / 2**30:.2f} GiB of weights "
          f"({peak / weights:.2f}x)")
    assert not list(tmp_path.glob("*.tmp*")), "no temp files left"
