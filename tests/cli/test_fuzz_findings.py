"""The fuzzers' findings in third-party code that piu now checks for itself (docs/reliability.md,
findings #6, #7, #9; the files in fuzz/crashes/): through the CLI each is exit 2 with one clean line
naming the file and the problem, and nothing written."""
import os
import shutil

import pytest

import reliability_cases as rc
from piu_command import BIN

PIU = os.path.join(BIN, "piu")
CRASHES = os.path.join(os.path.dirname(__file__), "..", "..", "fuzz", "crashes")


def _crash(harness, prefix):
    folder = os.path.join(CRASHES, harness)
    return next(os.path.join(folder, f) for f in sorted(os.listdir(folder)) if f.startswith(prefix))


def _check(tmp_path, args, needles):
    case = rc.Case("fuzz finding", args[0], args)
    result = rc.run_case(PIU, case, str(tmp_path / "out"))
    assert rc.problems(case, result) == [], f"{args}: {result.err!r}"
    for needle in needles:
        assert needle in result.err, result.err


@pytest.fixture
def model(tmp_path):
    return rc._save(rc._conv_model(), str(tmp_path / "m.onnx"))


def test_jpeg_huffman_table_over_256_codes(tmp_path, model):
    data = tmp_path / "data"
    data.mkdir()
    image = data / "a.jpg"
    shutil.copy(_crash("image", "stb_jpeg_huffman_index_257-"), image)
    _check(tmp_path, ["calibrate", model, "--data", str(data), "--cache", "{out}/c.cache"],
           [f"{image}: cannot decode image: not a valid JPEG: Huffman table with 649 codes (at most 256)"])


def test_png_zero_length_idat(tmp_path, model):
    # The zero-length IDAT is dropped before stb_image sees it; the rest of this file is corrupt.
    data = tmp_path / "data"
    data.mkdir()
    image = data / "a.png"
    shutil.copy(_crash("image", "stb_png_memcpy_null-"), image)
    _check(tmp_path, ["calibrate", model, "--data", str(data), "--cache", "{out}/c.cache"],
           [f"{image}: cannot decode image"])


@pytest.mark.torch
@pytest.mark.parametrize("command", ["export", "run"])
def test_torchscript_pickle_stating_3_gb(tmp_path, command):
    # fuzz/corpus/torchscript/linear.pt with one BINUNICODE length of data.pkl set to 3.2 GB and the
    # CRCs fixed (the fuzzer's own file now fails a CRC first): LibTorch allocated 3.2 GB for it.
    archive = str(tmp_path / "m.pt")
    shutil.copy(_crash("torchscript", "libtorch_unpickler_3gb_alloc_crc_ok-"), archive)
    args = {"export": ["export", archive, "-o", "{out}/m.onnx", "--shape", "x:1x3x64x64"],
            "run": ["run", archive, "-o", "{out}/result", "--shape", "1x3x64x64"]}[command]
    _check(tmp_path, args, [f"{archive}: not a valid TorchScript archive: entry 'archive/data.pkl': BINUNICODE at "
                            "byte 262 states 3200000000 bytes, past the end of the pickle (46 bytes left)"])
