"""piu.export of live torch modules: traced in this process, exported from memory, verified, written once."""
import os

import numpy as np
import pytest

import piu

pytestmark = pytest.mark.torch


def small_cnn():
    import torch

    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
                               torch.nn.MaxPool2d(2), torch.nn.Conv2d(8, 4, 3), torch.nn.AdaptiveAvgPool2d(1),
                               torch.nn.Flatten(), torch.nn.Linear(4, 3))


def run_torch(module, *xs):
    import torch

    with torch.no_grad():
        out = module.eval()(*[torch.from_numpy(x) for x in xs])
    return [t.numpy() for t in (out if isinstance(out, (list, tuple)) else [out])]


def test_a_live_module_is_exported_in_memory_and_matches_torch(tmp_path):
    import torch

    module = small_cnn()
    out = tmp_path / "cnn.onnx"
    report = piu.export(module, out, example_inputs=torch.randn(2, 3, 32, 32), opset=17)
    assert report["verified"] is True and report["onnx_nodes"] > 0 and report["input"] == "Sequential (in memory)"
    assert os.listdir(tmp_path) == ["cnn.onnx"]  # no temp file was ever left beside it
    session = piu.Session(str(out))
    assert session.inputs[0]["shape"] == [-1, 3, 32, 32]  # the batch stays dynamic by default
    x = np.random.default_rng(1).standard_normal((5, 3, 32, 32)).astype(np.float32)
    np.testing.assert_allclose(session.run([x])[0], run_torch(module, x)[0], rtol=1e-4, atol=1e-5)


def test_shapes_alone_make_the_example_and_dynamic_dims_stay(tmp_path):
    module = small_cnn()
    out = tmp_path / "cnn.onnx"
    piu.export(module, out, shapes=[-1, 3, -1, -1], input_names=["image"], output_names=["logits"])
    session = piu.Session(str(out))
    assert session.inputs[0]["name"] == "image" and session.outputs[0]["name"] == "logits"
    assert session.inputs[0]["shape"] == [-1, 3, -1, -1]
    for shape in ((1, 3, 40, 24), (3, 3, 17, 33)):
        x = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
        np.testing.assert_allclose(session.run([x])[0], run_torch(module, x)[0], rtol=1e-4, atol=1e-5)


def test_several_inputs_with_dynamic_dims_by_name(tmp_path):
    import torch

    class Pair(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = torch.nn.Linear(16, 8)

        def forward(self, tokens, bias):
            return torch.relu(self.proj(tokens)) + bias, tokens.mean(dim=1)

    module = Pair()
    out = tmp_path / "pair.onnx"
    piu.export(module, out, example_inputs=(torch.randn(2, 7, 16), torch.randn(2, 7, 8)),
               dynamic={0: [0, 1], 1: [0, 1]}, input_names=["tokens", "bias"], opset=17)
    session = piu.Session(str(out))
    assert [i["shape"] for i in session.inputs] == [[-1, -1, 16], [-1, -1, 8]]
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 11, 16)).astype(np.float32)
    b = rng.standard_normal((3, 11, 8)).astype(np.float32)
    for got, want in zip(session.run([a, b]), run_torch(module, a, b)):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_a_script_module_is_taken_as_it_is(tmp_path):
    import torch

    class Gate(torch.nn.Module):
        def forward(self, x):
            return torch.sigmoid(x) * x + 1.0

    scripted = torch.jit.script(Gate())
    out = tmp_path / "gate.onnx"
    piu.export(scripted, out, shapes=[-1, 4])
    x = np.random.default_rng(4).standard_normal((6, 4)).astype(np.float32)
    np.testing.assert_allclose(piu.Session(str(out)).run([x])[0], run_torch(scripted, x)[0], rtol=1e-5, atol=1e-6)


def test_a_trace_that_misses_the_modules_branch_is_refused(tmp_path):
    import torch

    class Branchy(torch.nn.Module):
        def forward(self, x):
            # Python-level state: the trace records the first call's path, the module then takes the other.
            self.calls = getattr(self, "calls", 0) + 1
            return x * 2 if self.calls == 1 else x * 3

    with pytest.raises(piu.VerificationError, match="traced module differs from the live module"):
        piu.export(Branchy(), tmp_path / "b.onnx", example_inputs=torch.randn(2, 3))
    assert list(tmp_path.iterdir()) == []


def test_a_trace_that_baked_the_batch_size_is_refused(tmp_path):
    import torch

    class Baked(torch.nn.Module):
        def forward(self, x):
            return x.reshape(int(x.shape[0]), -1).sum(1)  # a Python int: the trace keeps the 2

    with pytest.raises(piu.VerificationError, match=r"traced module differs.*\[\[3, 6\]\]"):
        piu.export(Baked(), tmp_path / "b.onnx", example_inputs=torch.randn(2, 6))
    piu.export(Baked(), tmp_path / "b.onnx", example_inputs=torch.randn(2, 6), dynamic=False)  # a fixed batch is fine
    assert os.listdir(tmp_path) == ["b.onnx"]


def test_errors_name_the_module(tmp_path):
    import torch

    class Svd(torch.nn.Module):
        def forward(self, x):
            return torch.linalg.svdvals(x)  # singular values: no ONNX form

    with pytest.raises(piu.UnsupportedError, match=r"Svd \(in memory\).*aten::linalg_svdvals"):
        piu.export(Svd(), tmp_path / "u.onnx", example_inputs=torch.randn(1, 4, 4))
    with pytest.raises(piu.BadInputError, match=r"Sequential \(in memory\): give example_inputs or shapes"):
        piu.export(small_cnn(), tmp_path / "x.onnx")
    with pytest.raises(TypeError, match="torch.nn.Module, a ScriptModule or a path"):
        piu.export(object(), tmp_path / "x.onnx")
    assert list(tmp_path.iterdir()) == []


def test_a_path_takes_example_inputs_for_its_shapes(tmp_path):
    import torch

    module = small_cnn().eval()
    torch.jit.trace(module, torch.randn(1, 3, 32, 32)).save(str(tmp_path / "cnn.pt"))
    piu.export(tmp_path / "cnn.pt", tmp_path / "cnn.onnx", example_inputs=torch.randn(2, 3, 32, 32))
    assert piu.Session(str(tmp_path / "cnn.onnx")).inputs[0]["shape"] == [-1, 3, 32, 32]


def bert_like():
    """int64 input_ids into an embedding; an int64 attention_mask cast to float for a masked mean."""
    import torch

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = torch.nn.Embedding(50, 8)

        def forward(self, input_ids, attention_mask):
            m = attention_mask.unsqueeze(-1).to(torch.float32)
            return (self.emb(input_ids) * m).sum(1) / m.sum(1).clamp(min=1.0)

    torch.manual_seed(0)
    return Model()


def test_a_live_module_keeps_its_example_dtypes_and_argument_names(tmp_path):
    import torch

    ids = torch.randint(0, 50, (2, 6))
    mask = torch.ones(2, 6, dtype=torch.int64)
    out = tmp_path / "bert.onnx"
    report = piu.export(bert_like(), out, example_inputs=(ids, mask), dynamic={0: [0, 1], 1: [0, 1]}, opset=17)
    assert report["verified"] is True
    assert [(i["name"], i["dtype"], i["dtype_source"]) for i in report["inputs"]] == [
        ("input_ids", "int64", "given"), ("attention_mask", "int64", "given")]
    session = piu.Session(str(out))
    assert [(i["name"], i["dtype"]) for i in session.inputs] == [("input_ids", "int64"), ("attention_mask", "int64")]
    ids_np = np.array([[3, 9, 12, 0]], np.int64)
    mask_np = np.array([[1, 1, 1, 0]], np.int64)
    np.testing.assert_allclose(session.run([ids_np, mask_np])[0], run_torch(bert_like(), ids_np, mask_np)[0],
                               rtol=1e-5, atol=1e-6)
    # Verification on given arrays: one run at their shapes.
    report = piu.export(bert_like(), tmp_path / "given.onnx", example_inputs=(ids, mask), opset=17,
                        dynamic={0: [0, 1], 1: [0, 1]}, inputs={"input_ids": ids_np, "attention_mask": mask_np})
    assert [c["batch"] for c in report["verification"]] == [1]
    with pytest.raises(piu.BadInputError, match="int32"):
        piu.export(bert_like(), tmp_path / "bad.onnx", example_inputs=(ids, mask), opset=17,
                   inputs={"input_ids": ids_np.astype(np.int32)})
    assert not (tmp_path / "bad.onnx").exists()
