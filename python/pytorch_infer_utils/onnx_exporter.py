"""ONNXExporter and load_weights_rounded_model: the seed's export/optimize API over piu's jobs."""
import copy
import os
from typing import Any, Dict, List, Optional, Union

import piu

from .errors import UnavailableError

PathLike = Union[str, "os.PathLike[str]"]

# The seed's default pipeline, in the seed's order (also piu's default for `piu optimize`).
DEFAULT_PASSES = [
    "eliminate_deadend", "eliminate_duplicate_initializer",
    "eliminate_identity", "eliminate_if_with_const_cond",
    "eliminate_nop_cast", "eliminate_nop_dropout",
    "eliminate_nop_flatten", "eliminate_nop_monotone_argmax",
    "eliminate_nop_pad", "eliminate_nop_transpose",
    "eliminate_unused_initializer", "extract_constant_to_initializer",
    "fuse_add_bias_into_conv", "fuse_bn_into_conv",
    "fuse_consecutive_concats", "fuse_consecutive_log_softmax",
    "fuse_consecutive_reduce_unsqueeze", "fuse_consecutive_squeezes",
    "fuse_consecutive_transposes", "fuse_matmul_add_bias_into_gemm",
    "fuse_pad_into_conv", "fuse_transpose_into_gemm",
    "lift_lexical_references", "nop",
]  # fmt: skip

DEFAULT_CONFIG: Dict[str, Any] = {
    "default_shapes": [1, 3, 224, 224],
    "onnx_export_params": {
        "export_params": True,
        "do_constant_folding": True,
        "input_names": ["input"],
        "output_names": ["output"],
        "opset_version": 11,
    },
    "onnx_optimize_params": {
        "fixed_point": False,
        "passes": DEFAULT_PASSES,
    },
}


# onnx-simplifier keyword arguments the seed passed through, and piu.simplify's names for them.
_ONNXSIM_KWARGS = {"input_shapes": "input_shapes", "overwrite_input_shapes": "input_shapes"}


def _sibling_path(path: PathLike, suffix: str) -> str:
    """`<dir>/<stem><suffix>.onnx` next to `path` (the seed's default output names)."""
    path = os.fspath(path)
    stem = path[: -len(".onnx")] if path.endswith(".onnx") else path
    return f"{stem}{suffix}.onnx"


def _check_onnx_complex(onnx_path: str, model: Any, example: Any) -> None:
    """The seed's check after export: the ONNX model's outputs match the module's own on `example`
    within rtol 1e-3, atol 1e-5 (numpy's assert_allclose), or the file is removed and
    piu.VerificationError raised."""
    import numpy as np
    import torch

    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            expected = model(example)
    finally:
        model.train(was_training)
    expected = list(expected) if isinstance(expected, (list, tuple)) else [expected]
    got = piu.Session(onnx_path).run([example.numpy()])
    try:
        for e, g in zip(expected, got):
            np.testing.assert_allclose(e.numpy(), g, rtol=1e-3, atol=1e-5)
    except AssertionError as err:
        os.remove(onnx_path)
        raise piu.VerificationError(
            f"{onnx_path}: the ONNX model's outputs differ from the module's (rtol 1e-3, atol 1e-5); removed: "
            + " ".join(str(err).split())[:300]) from None


def load_weights_rounded_model(
    model: Any,
    state_dict_path: PathLike,
    n_digits: int = 16,
    save_dict_path: Optional[PathLike] = None,
    map_location: Optional[Any] = None,
) -> Any:
    """Loads a state dict into ``model`` with its floating weights rounded to ``n_digits`` decimals.

    Denormal weights make ONNX Runtime much slower; rounding them to 16 decimals (the default)
    flushes them to zero without changing the outputs. As the seed does: every floating tensor
    ``w`` becomes ``round(w * 10**n_digits) / 10**n_digits`` computed in float32 (the seed's
    precision; the tensor keeps its dtype), non-floating tensors (e.g. BatchNorm's
    ``num_batches_tracked``) are kept; ``n_digits=0`` loads the weights unchanged. With rounding
    and ``save_dict_path``, the rounded state dict is saved there with ``torch.save`` (like the
    seed, nothing is saved when ``n_digits=0``). The model is put in eval mode and returned (the
    seed returned None). Needs torch. For an exported ONNX file, ``piu.round_weights`` does the same.
    """
    import torch

    state_dict = torch.load(os.fspath(state_dict_path), map_location=map_location)
    if n_digits:
        scale = 10.0**n_digits
        for key, value in state_dict.items():
            if torch.is_tensor(value) and value.is_floating_point():
                rounded = (value.detach().to(torch.float32) * scale).round() / scale
                state_dict[key] = rounded.to(value.dtype)
        if save_dict_path:
            torch.save(state_dict, os.fspath(save_dict_path))
    model.load_state_dict(state_dict)
    model.eval()
    return model


class ONNXExporter:
    """The seed's exporter: TorchScript → ONNX, then piu's optimizer and simplifier.

    ``cfg`` (a dict shaped like ``DEFAULT_CONFIG``) replaces the defaults key by key; keyword
    arguments replace single values, found at the top level (``default_shapes``) or inside
    ``onnx_export_params`` / ``onnx_optimize_params`` (``opset_version=17``, ``fixed_point=True``).
    Every written model is verified by piu against its input model (a difference raises
    ``piu.VerificationError`` and writes nothing).
    """

    input_axis = ("B", "C", "H", "W")

    def __init__(self, cfg: Optional[Dict[str, Any]] = None, **kwargs: Any) -> None:
        config = copy.deepcopy(DEFAULT_CONFIG)
        for key, value in (cfg or {}).items():
            if isinstance(value, dict) and isinstance(config.get(key), dict):
                config[key].update(copy.deepcopy(value))
            else:
                config[key] = copy.deepcopy(value)
        for key, value in kwargs.items():
            if key in config:
                config[key] = value
            elif key in config["onnx_export_params"]:
                config["onnx_export_params"][key] = value
            elif key in config["onnx_optimize_params"]:
                config["onnx_optimize_params"][key] = value
            else:
                raise TypeError(f"ONNXExporter: unknown parameter {key!r}")
        self.default_shapes: List[int] = config["default_shapes"]
        self.onnx_export_params: Dict[str, Any] = config["onnx_export_params"]
        self.onnx_optimize_params: Dict[str, Any] = config["onnx_optimize_params"]
        # The seed's attribute names for the same dicts.
        self.export_params = self.onnx_export_params
        self.optimize_params = self.onnx_optimize_params

    def torch2onnx(self, model: Any, onnx_path: PathLike, input_shapes: Optional[List[int]] = None) -> str:
        """Exports ``model`` to ``<onnx_path without .onnx>_op<opset_version>.onnx`` (the seed's name); returns it.

        ``input_shapes`` is [B, C, H, W] with -1 for dynamic dims (default: ``default_shapes``);
        dynamic dims take ``default_shapes``' values in the example input. ``model`` is a live
        ``torch.nn.Module`` (traced and exported in memory by ``piu.export``), a ScriptModule or the
        path of a TorchScript file, exported with ``onnx_export_params`` (input/output names,
        opset, constant folding). As the seed's ``check_onnx_complex``, the ONNX model's outputs
        must then match the module's own on that input within rtol 1e-3, atol 1e-5: otherwise
        the file is removed and ``piu.VerificationError`` raised.
        """
        params = self.onnx_export_params
        if not params.get("export_params", True):
            raise UnavailableError("export_params=False (weights left out of the ONNX file) is not supported by piu")
        shapes = list(self.default_shapes if input_shapes is None else input_shapes)
        if len(shapes) != len(self.input_axis):
            raise ValueError(f"input_shapes: the seed supports only {self.input_axis} configuration, got {shapes}")
        input_names = list(params.get("input_names") or [])
        opset = int(params.get("opset_version", 11))
        output = _sibling_path(onnx_path, f"_op{opset}")
        shape_spec = {input_names[0]: shapes} if input_names else shapes
        live = not isinstance(model, (str, os.PathLike))
        example = None
        if live:
            import torch

            fixed = [d if d > 0 else self.default_shapes[i] for i, d in enumerate(shapes)]
            example = torch.randn(*fixed, generator=torch.Generator().manual_seed(0))
        piu.export(
            model if live else os.fspath(model),
            output,
            example_inputs=example,
            shapes=shape_spec,
            input_names=input_names,
            output_names=list(params.get("output_names") or []),
            opset=opset,
            constant_folding=bool(params.get("do_constant_folding", True)),
        )
        if live:
            _check_onnx_complex(output, model, example)
        return output

    def optimize_onnx(self, onnx_path: PathLike, onnx_opt_path: Optional[PathLike] = None) -> str:
        """Optimizes with ``piu.optimize`` (``onnx_optimize_params``' passes and fixed_point); returns the output path.

        The default output is ``<onnx_path without .onnx>_opt.onnx`` next to the input, as in the seed.
        """
        output = os.fspath(onnx_opt_path) if onnx_opt_path else _sibling_path(onnx_path, "_opt")
        params = self.onnx_optimize_params
        piu.optimize(
            os.fspath(onnx_path),
            output,
            passes=list(params.get("passes") or []),
            fixed_point=bool(params.get("fixed_point", False)),
        )
        return output

    def optimize_onnx_sim(self, onnx_path: PathLike, onnx_opt_path: Optional[PathLike] = None, **kwargs: Any) -> str:
        """Simplifies with ``piu.simplify``; returns the output path.

        The default output is ``<onnx_path without .onnx>_sim.onnx`` next to the input, as in the
        seed. Keyword arguments go to ``piu.simplify`` (``input_shapes``, ``skip_optimize``,
        ``max_fold_bytes``, ...); onnx-simplifier's ``overwrite_input_shapes`` is taken as
        ``input_shapes``. Dynamic dims stay dynamic unless ``input_shapes`` fixes them.
        """
        output = os.fspath(onnx_opt_path) if onnx_opt_path else _sibling_path(onnx_path, "_sim")
        options = {_ONNXSIM_KWARGS.get(key, key): value for key, value in kwargs.items()}
        piu.simplify(os.fspath(onnx_path), output, **options)
        return output

    def torch2optimized_onnx(
        self, model: Any, onnx_path: PathLike, input_shapes: Optional[List[int]] = None, **kwargs: Any
    ) -> List[str]:
        """``torch2onnx``, then ``optimize_onnx``, then ``optimize_onnx_sim`` (``kwargs``); returns the three paths.

        ``model`` as in ``torch2onnx``.
        """
        exported = self.torch2onnx(model, onnx_path, input_shapes)
        optimized = self.optimize_onnx(exported)
        simplified = self.optimize_onnx_sim(optimized, **kwargs)
        return [exported, optimized, simplified]
