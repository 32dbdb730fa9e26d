"""LibTorch on CUDA and AOTInductor packages (.pt2) through the CLI: the torch plugin's backends.

Runs everywhere: without a GPU (or with a LibTorch built without CUDA) `--device cuda` is one clear
line; backend options are validated before the device is looked at; .pt2 files go to the aoti
backend, which says what it needs when LibTorch has no package loader.

With a GPU the rest compares outputs: TorchScript on cuda vs cpu (float32 within 1e-4 of the output
scale; dtype=float16 output SQNR >= 40 dB), channels_last and cuda_graph on and off, and an
AOTInductor package made here with the test's torch vs the TorchScript of the same module on the
CPU. Those tests skip with a reason starting "needs a GPU" where no GPU is visible (nvidia-smi) and
piu cannot run on one; a visible GPU that piu's LibTorch cannot use fails them.
"""
import json
import os
import shutil
import subprocess
import zipfile

import numpy as np
import pytest

from piu_command import model, piu

FP16_MIN_SQNR_DB = 40.0

pytestmark = pytest.mark.torch


def one_line(r):
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, r.err
    return lines[0]


def error(r, *needles):
    """The one error line of a run that exited 2, checked to contain every needle."""
    line = one_line(r)
    assert r.code == 2, (r.code, line)
    for n in needles:
        assert n in line, line
    return line


def run_outputs(out_dir, *args):
    """piu run ARGS -o OUT_DIR; the outputs by name."""
    r = piu("run", *args, "-o", out_dir)
    assert r.code == 0, r.err
    return {f[:-4]: np.load(os.path.join(out_dir, f)) for f in sorted(os.listdir(out_dir))}


def assert_close(got, want, rel=1e-4):
    assert got.keys() == want.keys()
    for name in want:
        a, b = got[name].astype(np.float64), want[name].astype(np.float64)
        assert a.shape == b.shape, (name, a.shape, b.shape)
        err, scale = np.abs(a - b).max(), np.abs(b).max()
        assert err <= rel * scale + 1e-6, f"{name}: max abs error {err:.3g}, output scale {scale:.3g}"


def sqnr_db(got, want):
    a, b = got.astype(np.float64), want.astype(np.float64)
    noise = np.sum((a - b) ** 2)
    return float("inf") if noise == 0 else 10 * np.log10(np.sum(b**2) / noise)


def gpu_visible():
    exe = shutil.which("nvidia-smi")
    if not exe:
        return False, "no nvidia-smi"
    try:
        p = subprocess.run([exe, "-L"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as e:
        return False, str(e)
    return p.returncode == 0 and "GPU" in p.stdout, (p.stdout or p.stderr).strip()


@pytest.fixture(scope="module")
def cuda():
    """Passes where piu runs TorchScript on a GPU; skips (needs a GPU) where there is none."""
    probe = piu("run", model("shapes.pt"), "--device", "cuda", "--shape", "x:1x3x64x64")
    if probe.code == 0:
        return
    visible, what = gpu_visible()
    if not visible:
        pytest.skip(f"needs a GPU (none visible: {what}; {probe.err.strip()})")
    pytest.fail(f"a GPU is visible ({what}) but piu's LibTorch cannot use it: {probe.err.strip()}")


@pytest.fixture(scope="module")
def resnet(tmp_path_factory, cuda):
    """ResNet-18 (random weights) on the CPU, float32: the reference outputs, and the input file."""
    x = model("resnet18.input.npy")
    d = tmp_path_factory.mktemp("resnet_cpu")
    return x, run_outputs(d, model("resnet18.pt"), "--input", x)


# ---- everywhere ----


def test_cuda_is_one_clear_line_without_a_gpu():
    r = piu("run", model("shapes.pt"), "--device", "cuda", "--shape", "x:1x3x64x64")
    if r.code == 0:  # a GPU and a CUDA LibTorch: then a device past the last one is the user's mistake
        error(piu("run", model("shapes.pt"), "--device", "cuda:99", "--shape", "x:1x3x64x64"),
              "device cuda:99: LibTorch", "CUDA device(s)")
        return
    line = error(r, "device cuda:0: LibTorch ")
    assert "was built without CUDA" in line or "sees no CUDA device" in line, line
    # The same line when CUDA graphs are asked for: the device is checked before anything is built.
    assert one_line(piu("run", model("shapes.pt"), "--device", "cuda", "--provider-option", "cuda_graph=1",
                        "--shape", "x:1x3x64x64")) == line


def test_backend_options_are_validated(tmp_path):
    pt = model("shapes.pt")
    on_cuda = ("--device", "cuda", "--shape", "x:1x3x64x64")
    error(piu("run", pt, *on_cuda, "--provider-option", "bogus=1"),
          "unknown torch backend option 'bogus' (known: channels_last, cuda_graph, cudnn_benchmark, dtype, tf32)")
    error(piu("run", pt, *on_cuda, "--provider-option", "dtype=int8"),
          "backend option dtype=int8: expected float32, float16 or bfloat16")
    error(piu("run", pt, *on_cuda, "--provider-option", "cuda_graph=yes"), "backend option cuda_graph=yes: expected 0 or 1")
    error(piu("run", pt, "--shape", "x:1x3x64x64", "--provider-option", "dtype=float16"),
          "provider options apply to a GPU device (cuda:N), not the CPU")
    pt2 = tmp_path / "model.pt2"
    with zipfile.ZipFile(pt2, "w") as z:
        z.writestr("model/data.txt", "not a package")
    error(piu("run", pt2, "--device", "cuda", "--provider-option", "dtype=float16"),
          "unknown aoti backend option 'dtype' (known: cuda_graph, cudnn_benchmark, tf32)")


def test_pt2_files_go_to_the_aoti_backend(tmp_path):
    fake = tmp_path / "model.pt2"
    with zipfile.ZipFile(fake, "w") as z:
        z.writestr("model/data.txt", "a zip archive, not a package")
    line = error(piu("run", fake), "model.pt2")
    # LibTorch before 2.6 has no package loader; a newer one says the archive is no package.
    assert ("AOTInductor packages need LibTorch 2.6 or newer" in line and "built against LibTorch" in line) or \
        "cannot load it as an AOTInductor package" in line, line
    error(piu("run", fake, "--backend", "torch"), "backend 'torch' cannot open")
    text = tmp_path / "text.pt2"
    text.write_text("hello")
    error(piu("run", text), "not an AOTInductor package")
    assert "aoti" in piu("run", "--help").out


# ---- with a GPU ----


@pytest.mark.gpu
def test_torchscript_on_cuda_matches_the_cpu(tmp_path, resnet):
    x, cpu = resnet
    assert_close(run_outputs(tmp_path / "cuda", model("resnet18.pt"), "--device", "cuda", "--input", x), cpu)
    assert_close(run_outputs(tmp_path / "cuda0", model("resnet18.pt"), "--device", "cuda:0", "--input", x), cpu)


@pytest.mark.gpu
def test_float16_and_bfloat16(tmp_path, resnet):
    x, cpu = resnet
    half = run_outputs(tmp_path / "fp16", model("resnet18.pt"), "--device", "cuda", "--provider-option",
                       "dtype=float16", "--input", x)
    assert half["output"].dtype == np.float16  # outputs come in the module's dtype
    assert sqnr_db(half["output"], cpu["output"]) >= FP16_MIN_SQNR_DB
    r = piu("run", model("resnet18.pt"), "--device", "cuda", "--provider-option", "dtype=bfloat16", "--input", x, "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["outputs"][0]["dtype"] == "bfloat16"


@pytest.mark.gpu
def test_channels_last_and_cuda_graph_give_the_same_outputs(tmp_path, resnet):
    x, cpu = resnet
    base = run_outputs(tmp_path / "base", model("resnet18.pt"), "--device", "cuda", "--input", x)
    for i, options in enumerate([["channels_last=1"], ["cuda_graph=1"], ["channels_last=1", "cuda_graph=1"]]):
        flags = [a for o in options for a in ("--provider-option", o)]
        got = run_outputs(tmp_path / f"v{i}", model("resnet18.pt"), "--device", "cuda", *flags, "--input", x)
        assert_close(got, base)
        assert_close(got, cpu)
    fast = ["dtype=float16", "channels_last=1", "cuda_graph=1", "cudnn_benchmark=1"]
    flags = [a for o in fast for a in ("--provider-option", o)]
    half = run_outputs(tmp_path / "fast", model("resnet18.pt"), "--device", "cuda", *flags, "--input", x)
    assert sqnr_db(half["output"], cpu["output"]) >= FP16_MIN_SQNR_DB


@pytest.mark.gpu
def test_cuda_graph_runs_one_shape(cuda):
    r = piu("bench", model("shapes.pt"), "--device", "cuda", "--provider-option", "cuda_graph=1",
            "--shape", "-1x3x64x64", "--batch", "1,2", "--iterations", "3")
    error(r, "input 'x': the CUDA graph of", "was captured for float32 1x3x64x64, given float32 2x3x64x64")
    r = piu("bench", model("shapes.pt"), "--device", "cuda", "--provider-option", "cuda_graph=1",
            "--shape", "-1x3x64x64", "--batch", "4", "--iterations", "20", "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["results"][0]["iterations"] == 20


@pytest.fixture(scope="module")
def aoti(tmp_path_factory, cuda):
    """A small conv net as TorchScript (net.pt) and as AOTInductor packages for cuda and the CPU,
    compiled here by the test's torch, with an input (x.npy)."""
    try:
        import torch
        from torch._inductor import aoti_compile_and_package
    except ImportError as e:
        pytest.skip(f"needs a GPU and, in the test's Python, a torch with aoti_compile_and_package ({e})")
    if not torch.cuda.is_available():
        pytest.skip("needs a GPU that the test's torch can use (torch.cuda.is_available() is False)")
    d = tmp_path_factory.mktemp("aoti")
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 16, 3, padding=1), torch.nn.BatchNorm2d(16), torch.nn.ReLU(),
        torch.nn.Conv2d(16, 32, 3, stride=2), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(), torch.nn.Linear(32, 10)).eval()
    with torch.no_grad():
        net[1].running_mean.uniform_(-0.5, 0.5)
        net[1].running_var.uniform_(0.5, 2.0)
    x = torch.randn(2, 3, 32, 32)
    np.save(d / "x.npy", x.numpy())
    with torch.no_grad():
        torch.jit.trace(net, x).save(str(d / "net.pt"))
        aoti_compile_and_package(torch.export.export(net, (x,)), package_path=str(d / "net_cpu.pt2"))
        net_cuda = net.cuda()
        aoti_compile_and_package(torch.export.export(net_cuda, (x.cuda(),)), package_path=str(d / "net_cuda.pt2"))
    return d


@pytest.mark.gpu
def test_aoti_package_on_cuda_matches_torchscript_on_the_cpu(tmp_path, aoti):
    x = aoti / "x.npy"
    cpu = run_outputs(tmp_path / "cpu", aoti / "net.pt", "--input", x)
    r = piu("run", aoti / "net_cuda.pt2", "--device", "cuda", "--input", x, "--json")
    assert r.code == 0, r.err
    j = json.loads(r.out)
    assert j["backend"] == "aoti" and [i["name"] for i in j["inputs"]] == ["input"]
    on_cuda = run_outputs(tmp_path / "cuda", aoti / "net_cuda.pt2", "--device", "cuda", "--input", x)
    assert_close(on_cuda, cpu)
    # The package's run captured in a CUDA graph and replayed: the same outputs.
    graph = run_outputs(tmp_path / "graph", aoti / "net_cuda.pt2", "--device", "cuda", "--provider-option",
                        "cuda_graph=1", "--input", x)
    assert_close(graph, on_cuda)
    # A package runs on the device kind it was compiled for.
    error(piu("run", aoti / "net_cuda.pt2", "--input", x), "compiled for cuda and runs there only")
    error(piu("run", aoti / "net_cpu.pt2", "--device", "cuda", "--input", x), "compiled for cpu and runs there only")


@pytest.mark.gpu
def test_aoti_cpu_package_through_run_bench_and_compare(tmp_path, aoti):
    x = aoti / "x.npy"
    assert_close(run_outputs(tmp_path / "pt2", aoti / "net_cpu.pt2", "--input", x),
                 run_outputs(tmp_path / "pt", aoti / "net.pt", "--input", x))
    r = piu("compare", aoti / "net_cpu.pt2", aoti / "net.pt", "--input", x)
    assert r.code == 0, r.out + r.err
    r = piu("bench", aoti / "net_cpu.pt2", "--input", x, "--iterations", "5", "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["backend"] == "aoti"
    r = piu("bench", aoti / "net_cuda.pt2", "--device", "cuda", "--input", x, "--iterations", "5", "--json")
    assert r.code == 0, r.err


@pytest.fixture(scope="module")
def attention(tmp_path_factory, cuda):
    """A small torchvision ViT traced under torch.no_grad(), as inference traces it: its
    nn.MultiheadAttention layers take PyTorch's fused path (aten::_native_multi_head_attention),
    with an input (x.npy)."""
    try:
        import torch
        import torchvision
    except ImportError as e:
        pytest.skip(f"needs a GPU and, in the test's Python, torch and torchvision ({e})")
    d = tmp_path_factory.mktemp("vit")
    torch.manual_seed(0)
    vit = torchvision.models.VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2,
                                               hidden_dim=32, mlp_dim=64, num_classes=10).eval()
    x = torch.randn(2, 3, 32, 32)
    np.save(d / "x.npy", x.numpy())
    with torch.no_grad():
        torch.jit.trace(vit, x, check_trace=False).save(str(d / "vit.pt"))
    return d


@pytest.mark.gpu
def test_cuda_graph_of_a_traced_vit_with_fused_attention(tmp_path, attention):
    x = attention / "x.npy"
    base = run_outputs(tmp_path / "base", attention / "vit.pt", "--device", "cuda", "--input", x)
    for i, options in enumerate([["cuda_graph=1"], ["cuda_graph=1", "dtype=float16"]]):
        flags = [a for o in options for a in ("--provider-option", o)]
        got = run_outputs(tmp_path / f"g{i}", attention / "vit.pt", "--device", "cuda", *flags, "--input", x)
        if "dtype=float16" in options:
            assert sqnr_db(got["output"], base["output"]) >= FP16_MIN_SQNR_DB
        else:
            assert_close(got, base)
