"""--device and --provider-option: parsed, refused when they cannot apply, and CUDA through ONNX
Runtime's CUDA provider where the runtime has one (elsewhere one clear line naming the runtime)."""
import numpy as np

from conftest import model, piu


def one_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_unknown_device_is_bad_input():
    r = piu("run", model("shapes.onnx"), "--device", "gpu")
    assert r.code == 2 and "device 'gpu': expected cpu, cuda or cuda:N" in one_line(r.err)


def test_provider_options_need_a_gpu_device_and_key_value_form():
    r = piu("run", model("shapes.onnx"), "--provider-option", "enable_cuda_graph=1")
    assert r.code == 2 and "provider options apply to a GPU device" in one_line(r.err)
    r = piu("bench", model("shapes.onnx"), "--device", "cuda", "--provider-option", "novalue")
    assert r.code == 2 and "--provider-option 'novalue': expected KEY=VALUE" in one_line(r.err)


def test_cuda_runs_on_the_gpu_runtime_or_names_what_is_missing(tmp_path):
    x = np.random.default_rng(0).standard_normal((2, 3, 64, 64)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    cpu = piu("run", model("shapes.onnx"), "--input", tmp_path / "x.npy", "-o", tmp_path / "cpu")
    assert cpu.code == 0, cpu.err
    gpu = piu("run", model("shapes.onnx"), "--device", "cuda:0", "--input", tmp_path / "x.npy", "-o", tmp_path / "gpu")
    if gpu.code == 0:  # ONNX Runtime's GPU build on a machine with a GPU
        for f in (tmp_path / "cpu").iterdir():
            a, b = np.load(f), np.load(tmp_path / "gpu" / f.name)
            assert np.abs(a - b).max() <= 1e-4 * np.abs(a).max() + 1e-6, f.name
    else:
        line = one_line(gpu.err)
        assert gpu.code == 2 and "device cuda:0: ONNX Runtime" in line and "CUDA provider" in line, line
        assert not (tmp_path / "gpu").exists()


def test_device_io_needs_a_gpu_session(tmp_path):
    for cmd in ("run", "bench"):
        r = piu(cmd, model("shapes.onnx"), "--io", "device", "-o" if cmd == "run" else "--json", *(
            [tmp_path / "out"] if cmd == "run" else []))
        assert r.code == 2 and "--io device needs a GPU session" in one_line(r.err), r.err
    assert not (tmp_path / "out").exists()
    r = piu("bench", model("shapes.onnx"), "--io", "sideways")
    assert r.code == 2 and "--io 'sideways': expected host or device" in one_line(r.err)


def test_compare_one_model_on_two_backends_reports_sqnr():
    r = piu("compare", model("shapes.onnx"), "--device-b", "cpu", "--json")
    assert r.code == 0, r.err
    import json
    report = json.loads(r.out)
    assert report["device_a"] == report["device_b"] == "cpu" and report["pass"]
    assert all(o["sqnr_db"] is None for o in report["outputs"])  # identical: infinite SQNR


def test_ort_cpu_memory_options_give_the_same_outputs(tmp_path):
    # cpu_mem_arena / mem_pattern (docs/reliability_fuzz_soak.md): memory only, never the results.
    x = np.random.default_rng(1).standard_normal((2, 3, 64, 64)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    ref = piu("run", model("shapes.onnx"), "--input", tmp_path / "x.npy", "-o", tmp_path / "ref")
    assert ref.code == 0, ref.err
    off = piu("run", model("shapes.onnx"), "--input", tmp_path / "x.npy", "-o", tmp_path / "off",
              "--provider-option", "cpu_mem_arena=0", "--provider-option", "mem_pattern=0")
    assert off.code == 0, off.err
    assert np.array_equal(np.load(tmp_path / "ref" / "output.npy"), np.load(tmp_path / "off" / "output.npy"))
    r = piu("run", model("shapes.onnx"), "--provider-option", "mem_pattern=yes")
    assert r.code == 2 and "provider option mem_pattern=yes: expected 0 or 1" in one_line(r.err)
