#!/usr/bin/env bash
# Runs THERE, from the repo root, after the c1..c3 calls of scripts/device_gpu.sh: assembles ONNX
# Runtime's GPU build in /tmp/g beside the carried libpiu.so and runs the GPU tier: piu run on
# cuda vs cpu (outputs compared), provider options, bad device ids, piu bench on both, and
# tests/cli/test_device.py. cuDNN and cuBLAS come from the torch venv's nvidia packages there.
set -u
G=/tmp/g
cp .device-bundle/c4/cuda.so.zst.03 $G/ && cp -r .device-bundle/c4/models .device-bundle/c4/ORT_VERSION $G/
cd $G
chmod +x zstd piu
cat cuda.so.zst.0* > cuda.so.zst && ./zstd -d -q -f cuda.so.zst -o libonnxruntime_providers_cuda.so && rm cuda.so.zst*
./zstd -d -q -f ort.so.zst -o libonnxruntime.so.$(cat $G/ORT_VERSION) && ln -sf libonnxruntime.so.$(cat $G/ORT_VERSION) libonnxruntime.so.1
mkdir -p bin && mv piu bin/
NV=/opt/torch/.venv/lib/python3.12/site-packages/nvidia
export LD_LIBRARY_PATH=$G:$NV/cu13/lib:$NV/cudnn/lib
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
ls -la $G | head -20
ldd bin/piu | grep -E "piu|onnxruntime|not found"
bin/piu --version
python3 -c "import numpy as np; np.save('$G/x.npy', np.random.default_rng(0).standard_normal((4,3,64,64)).astype(np.float32)); np.save('$G/m.npy', np.random.default_rng(1).standard_normal((8,3,224,224)).astype(np.float32))"
for d in cpu cuda cuda:0; do bin/piu run models/shapes.onnx --device $d --input x.npy -o out_shapes_${d/:/_} > /dev/null; echo "run shapes $d: $?"; done
for d in cpu cuda; do bin/piu run models/mobilenet_v3_small.onnx --device $d --input m.npy -o out_mnv3_$d > /dev/null; echo "run mnv3 $d: $?"; done
bin/piu run models/mobilenet_v3_small.onnx --device cuda --provider-option cudnn_conv_algo_search=HEURISTIC --provider-option prefer_nhwc=1 --input m.npy -o out_mnv3_nhwc > /dev/null; echo "run mnv3 cuda nhwc: $?"
bin/piu run models/shapes.onnx --device cuda:7 --input x.npy 2>&1 | tail -1
bin/piu run models/shapes.onnx --device cuda --provider-option no_such_option=1 2>&1 | tail -1
python3 - <<'PY'
import numpy as np, os
def cmp(a, b):
    for f in sorted(os.listdir(a)):
        x, y = np.load(os.path.join(a, f)), np.load(os.path.join(b, f))
        print(f"{b}/{f}: max abs {np.abs(x - y).max():.3g}, scale {np.abs(x).max():.3g}, rel {np.abs(x - y).max() / np.abs(x).max():.3g}")
cmp("out_shapes_cpu", "out_shapes_cuda"); cmp("out_shapes_cpu", "out_shapes_cuda_0")
cmp("out_mnv3_cpu", "out_mnv3_cuda"); cmp("out_mnv3_cpu", "out_mnv3_nhwc")
PY
for d in cuda cpu; do bin/piu bench models/mobilenet_v3_small.onnx --device $d --batch 1,32 --duration 2 --threads 16 2>&1 | tail -4; done
cd "$OLDPWD"
PIU_BIN=$G/bin PIU_MODELS_DIR=$G/models python3 -m pytest -q -p no:cacheprovider tests/cli/test_device.py 2>&1 | tail -3
