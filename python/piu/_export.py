"""piu.export: a live ``torch.nn.Module``, a ``torch.jit.ScriptModule`` or a TorchScript file to ONNX.

A module is traced (or taken as scripted) in this process, saved into a bytes buffer and handed to
piu's C++ exporter in memory: no temporary files. The export job then verifies the ONNX model on
ONNX Runtime against LibTorch running those same bytes, and writes nothing when they differ.
"""
import io
import os
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from . import _piu

# Sizes that dynamic dims take in the example inputs made from ``shapes``: a batch of 2 (a batch
# of 1 lets a trace treat the batch as a constant) and 64 for other dims (as verification does).
_EXAMPLE_BATCH = 2
_EXAMPLE_DIM = 64


def _dims(value: Any) -> List[int]:
    if isinstance(value, str):
        return [int(d) for d in value.lower().split("x")]
    return [-1 if d is None else int(d) for d in value]


def _split_spec(text: str) -> Tuple[str, str, str]:
    """"name:dims:dtype" -> (name, dims, dtype); name and dtype may be empty."""
    head, _, tail = text.rpartition(":")
    dtype = ""
    if head and tail[:1].isalpha() and tail != "scalar":
        dtype, text = tail, head
    name, _, dims = text.rpartition(":")
    return name, dims, dtype


def _normalize_shapes(shapes: Any) -> List[Tuple[str, List[int], str]]:
    """``shapes`` as (name, dims, dtype) triples, in the forms piu's jobs take: [1, 3, 224, 224]
    (one input), "input:-1x3x224x224" or "ids:-1x128:int64" (several separated by ';' or spaces),
    a list of either, or {name: dims}."""
    if shapes is None:
        return []
    if isinstance(shapes, str):
        shapes = [s for s in re.split(r"[;\s]+", shapes) if s]
    if isinstance(shapes, dict):
        return [(str(k), _dims(v), "") for k, v in shapes.items()]
    shapes = list(shapes)
    if shapes and (isinstance(shapes[0], int) or shapes[0] is None):
        return [("", _dims(shapes), "")]
    out = []
    for item in shapes:
        if isinstance(item, str):
            name, dims, dtype = _split_spec(item)
            out.append((name, _dims(dims), dtype))
        else:
            out.append(("", _dims(item), ""))
    return out


def _example_from_shapes(torch: Any, specs: List[Tuple[str, List[int], str]]) -> Tuple[Any, ...]:
    """Random example inputs: float32 unless a spec states a dtype (integers 0 or 1, as masks and
    small ids take)."""
    tensors = []
    for _, dims, dtype in specs:
        size = [(_EXAMPLE_BATCH if i == 0 else _EXAMPLE_DIM) if d < 0 else d for i, d in enumerate(dims)]
        generator = torch.Generator().manual_seed(0)
        kind = getattr(torch, dtype) if dtype else torch.float32
        if kind.is_floating_point:
            tensors.append(torch.randn(*size, generator=generator).to(kind))
        else:
            tensors.append(torch.randint(0, 2, size, generator=generator).to(kind))
    return tuple(tensors)


def _with_dtypes(torch: Any, shapes: List[List[int]], example: Tuple[Any, ...]) -> List[str]:
    """Shape specs "dims:dtype" carrying each example tensor's dtype: what the trace records and a
    TorchScript file does not."""
    specs = []
    for dims, t in zip(shapes, example):
        text = "x".join(str(d) for d in dims) if dims else "scalar"
        specs.append(f"{text}:{str(t.dtype).replace('torch.', '')}" if torch.is_tensor(t) else text)
    return specs


def _as_tuple(example_inputs: Any) -> Tuple[Any, ...]:
    if isinstance(example_inputs, (list, tuple)):
        return tuple(example_inputs)
    return (example_inputs,)


def _dynamic_dims(dynamic: Any, name: str, index: int, rank: int) -> List[int]:
    """Which dims of input `index` (called `name`) are dynamic: True/None -> the batch (dim 0),
    False -> none, {name or index: [dims]} -> those."""
    if dynamic is None or dynamic is True:
        return [0] if rank > 0 else []
    if dynamic is False:
        return []
    if isinstance(dynamic, dict):
        dims = dynamic.get(name, dynamic.get(index, []))
        return sorted(int(d) % max(rank, 1) for d in (dims.keys() if isinstance(dims, dict) else dims))
    raise TypeError(f"dynamic: expected True, False or {{input: [dims]}}, got {type(dynamic).__name__}")


def _shapes_from_example(example: Tuple[Any, ...], dynamic: Any, input_names: List[str]) -> List[List[int]]:
    specs = []
    for i, t in enumerate(example):
        dims = [int(d) for d in t.shape]
        for d in _dynamic_dims(dynamic, input_names[i] if i < len(input_names) else "", i, len(dims)):
            dims[d] = -1
        specs.append(dims)
    return specs


def _fresh_inputs(torch: Any, example: Tuple[Any, ...], grow: bool) -> Tuple[Any, ...]:
    """Inputs the trace has not seen: new random values, one more batch item when `grow` (the first
    input's batch is dynamic). Integer inputs (token ids) are taken as they are."""
    if not all(torch.is_tensor(t) and t.is_floating_point() for t in example):
        return example
    generator = torch.Generator().manual_seed(1)
    fresh = []
    for t in example:
        size = list(t.shape)
        if grow and size:
            size[0] += 1
        fresh.append(torch.randn(*size, generator=generator, dtype=t.dtype))
    return tuple(fresh)


def _check_trace(torch: Any, model: Any, traced: Any, inputs: Tuple[Any, ...]) -> None:
    """The trace must compute what the live module computes on inputs it was not traced with (a
    trace records one path through Python code: branches on values, sizes read as Python ints,
    state): compared before anything is exported."""

    def flat(out: Any) -> List[Any]:
        if isinstance(out, dict):
            return list(out.values())
        return list(out) if isinstance(out, (list, tuple)) else [out]

    flat_expected = flat(model(*inputs))
    try:
        flat_got = flat(traced(*inputs))
    except RuntimeError as e:
        raise _piu.VerificationError(
            f"the traced module fails on inputs {[list(t.shape) for t in inputs]} that the live module runs "
            f"({str(e).strip().splitlines()[-1][:200]}): it recorded sizes or values of the example; "
            "torch.jit.script it and pass the ScriptModule") from None
    for i, (e, g) in enumerate(zip(flat_expected, flat_got)):
        if not torch.is_tensor(e) or not torch.is_tensor(g):
            continue
        scale = float(e.abs().max()) if e.numel() and e.is_floating_point() else 0.0
        err = float((e.double() - g.double()).abs().max()) if e.numel() and e.shape == g.shape else float("inf")
        if err > 1e-4 * scale + 1e-6:
            raise _piu.VerificationError(
                f"the traced module differs from the live module on output {i} (max abs error {err:.3g}, "
                f"scale {scale:.3g}, inputs {[list(t.shape) for t in inputs]}): its forward() takes a path the "
                "trace does not record (a branch on values, a size read as a Python int, state); "
                "torch.jit.script it and pass the ScriptModule")


def export(
    model: Any,
    output: Union[str, "os.PathLike[str]"],
    *,
    example_inputs: Any = None,
    shapes: Any = None,
    dynamic: Any = None,
    input_names: Sequence[str] = (),
    output_names: Sequence[str] = (),
    opset: int = 11,
    constant_folding: bool = True,
    keep_initializers_as_inputs: bool = False,
    verify: bool = True,
    threads: int = 0,
    batches: Optional[List[int]] = None,
    rel_tol: Optional[float] = None,
    verify_shapes: Any = None,
    inputs: Any = None,
    int_ranges: Any = None,
) -> Dict[str, Any]:
    """Exports ``model`` to the ONNX file ``output`` with piu's exporter; returns the report dict
    (what ``piu export --json`` prints).

    ``model`` is a live ``torch.nn.Module`` (traced here in eval mode under ``torch.no_grad()``,
    then handed to the exporter in memory), a ``torch.jit.ScriptModule`` (taken as it is), or the
    path of a TorchScript file. A live module needs ``example_inputs`` (a tensor or a tuple of
    them) or ``shapes`` (float32 random inputs are made, dynamic dims at 2 for the batch and 64
    otherwise). ``shapes``: [-1, 3, 224, 224], "input:-1x3x224x224", a list of either, or
    {name: dims}; -1 marks a dynamic dim. With ``example_inputs`` and no ``shapes``, ``dynamic``
    says which dims stay dynamic: None or True the batch (dim 0) of every input, False none,
    {input name or index: [dims]} those. Unless ``verify=False`` (no checks at all, as
    torch.onnx.export), the trace is first checked against the live module on inputs it was not
    traced with (one more batch item where the batch is dynamic), then the ONNX model is run on
    ONNX Runtime against LibTorch at ``batches`` before it is written; a difference raises
    ``VerificationError`` with nothing written. Input types: each example tensor's dtype (an int64
    ``input_ids`` stays int64), a dtype in ``shapes`` ("ids:-1x128:int64"), else inferred from how
    the module reads the input. ONNX input names default to forward()'s argument names (one
    argument called x or input is "input"). ``inputs`` ({name: ndarray}, or "NAME=FILE.npy" /
    "FILE.npz" strings) verifies on those values instead of random ones; ``int_ranges``
    ({name: (low, high)} or "NAME:LO:HI") bounds random integer inputs.
    """
    output = os.fspath(output)
    names = list(input_names)
    job = dict(
        input_names=names,
        output_names=list(output_names),
        opset=opset,
        constant_folding=constant_folding,
        keep_initializers_as_inputs=keep_initializers_as_inputs,
        verify=verify,
        threads=threads,
        batches=batches,
        rel_tol=rel_tol,
        verify_shapes=verify_shapes,
        inputs=inputs,
        int_ranges=int_ranges,
    )
    if isinstance(model, (str, os.PathLike)):
        if shapes is None and example_inputs is not None:
            example = _as_tuple(example_inputs)
            shapes = _shapes_from_example(example, dynamic, names)
            try:
                import torch
                shapes = _with_dtypes(torch, shapes, example)
            except ImportError:
                pass
        return _piu._export(os.fspath(model), output, shapes=shapes, **job)

    try:
        import torch
    except ImportError as e:  # a module object without torch importable cannot happen; be clear anyway
        raise _piu.UnsupportedError(f"exporting a module needs torch importable: {e}") from None
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"piu.export: model must be a torch.nn.Module, a ScriptModule or a path, "
                        f"not {type(model).__name__}")
    name = f"{type(model).__name__} (in memory)"
    specs = _normalize_shapes(shapes)
    if example_inputs is None and not specs and not isinstance(model, torch.jit.ScriptModule):
        raise _piu.BadInputError(f"{name}: give example_inputs or shapes to trace it with")
    example = _as_tuple(example_inputs) if example_inputs is not None else _example_from_shapes(torch, specs)
    if shapes is None and example:
        shapes = _shapes_from_example(example, dynamic, names)
        specs = [("", dims, "") for dims in shapes]
        shapes = _with_dtypes(torch, shapes, example)
    batch_dynamic = bool(specs and specs[0][1] and specs[0][1][0] < 0)

    if isinstance(model, torch.jit.ScriptModule):
        module = model
    else:
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                # strict=False: a returned dict (segmentation models) is kept; its keys name the outputs.
                module = torch.jit.trace(model, example, check_trace=False, strict=False)
                if verify:  # verify=False: no checks at all, as torch.onnx.export
                    _check_trace(torch, model, module, _fresh_inputs(torch, example, batch_dynamic))
        finally:
            model.train(was_training)
    # torch.jit.save's own bytes (what it writes into a file-like object), without the file object.
    if hasattr(module, "save_to_buffer"):
        data = module.save_to_buffer()
    else:
        buffer = io.BytesIO()
        torch.jit.save(module, buffer)
        data = buffer.getbuffer()
    return _piu._export(data, output, shapes=shapes, name=name, **job)
