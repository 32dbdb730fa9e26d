#!/usr/bin/env python3
"""Real ONNX models made by other exporters, for the simplify zoo: taken from the PyPI wheels that
ship them (pinned versions; `pip download --no-deps`, nothing is installed or imported), copied
into OUT_DIR with a NAME.shapes file beside each that lists the `--shape` values verification
needs (these models have dynamic dims besides the batch; the batch stays -1).

  python3 tests/zoo/real_models.py OUT_DIR [NAME ...]

| name            | exporter               | wheel                       |
| yolov8n_nudenet | ultralytics YOLOv8n    | nudenet 3.4.2 (320n.onnx)   |
| ppocrv4_det     | paddle2onnx, PP-OCRv4  | rapidocr-onnxruntime 1.4.4  |
| ppocrv4_rec     | paddle2onnx, PP-OCRv4  | rapidocr-onnxruntime 1.4.4  |
| ppocr_cls       | paddle2onnx, PP-OCR v2 | rapidocr-onnxruntime 1.4.4  |
| magika          | tf2onnx 1.16           | magika 1.0.3                |
"""
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

# name -> (wheel requirement, path inside the wheel, verification shapes)
MODELS = {
    "yolov8n_nudenet": ("nudenet==3.4.2", "nudenet/320n.onnx", ["images:-1x3x320x320"]),
    "ppocrv4_det": ("rapidocr-onnxruntime==1.4.4", "rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx",
                    ["x:-1x3x640x640"]),
    "ppocrv4_rec": ("rapidocr-onnxruntime==1.4.4", "rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx",
                    ["x:-1x3x48x320"]),
    "ppocr_cls": ("rapidocr-onnxruntime==1.4.4",
                  "rapidocr_onnxruntime/models/ch_ppocr_mobile_v2.0_cls_infer.onnx", ["x:-1x3x48x192"]),
    "magika": ("magika==1.0.3", "magika/models/standard_v3_3/model.onnx", ["bytes:-1x2048"]),
}


def main():
    out = sys.argv[1]
    names = sys.argv[2:] or sorted(MODELS)
    os.makedirs(out, exist_ok=True)
    wheels = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            requirement, member, shapes = MODELS[name]
            target = os.path.join(out, name + ".onnx")
            if not os.path.exists(target):
                if requirement not in wheels:
                    dest = os.path.join(tmp, str(len(wheels)))
                    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                                    "--disable-pip-version-check", "-d", dest, requirement], check=True)
                    wheels[requirement] = os.path.join(dest, os.listdir(dest)[0])
                with zipfile.ZipFile(wheels[requirement]) as z, z.open(member) as src, \
                        open(target + ".tmp", "wb") as dst:
                    shutil.copyfileobj(src, dst)
                os.replace(target + ".tmp", target)
            with open(os.path.join(out, name + ".shapes"), "w") as f:
                f.write("\n".join(shapes) + "\n")
            print(f"{name}.onnx", file=sys.stderr)


if __name__ == "__main__":
    main()
