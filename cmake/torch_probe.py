"""Prints, as key=value lines, the torch of the interpreter that runs it (cmake/wheel_torch.cmake):

    status      found | absent
    reason      why torch could not be imported (absent only)
    version     torch.__version__
    prefix      torch.utils.cmake_prefix_path (LibTorch's CMake files; absent in Debian's python3-torch)
    libtorch    the real path of the libtorch.so that `import torch` loaded
    cxx11_abi   1 when torch was built with the C++11 std::string ABI

Run it with PYTHONPATH and PYTHONNOUSERSITE unset: pip's build isolation sets both to hide the
environment's site-packages, and the torch of that environment is the one the plugin must match.
"""
import os
import re
import sys


def loaded_libtorch(torch_dir):
    """The libtorch.so mapped into this process (what torch._C links), else the one in torch/lib."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            for line in maps:
                path = line.split(None, 5)[-1].strip()
                if re.search(r"/libtorch\.so(\.[0-9]+)*$", path):
                    return os.path.realpath(path)
    except OSError:
        pass
    bundled = os.path.join(torch_dir, "lib", "libtorch.so")
    return os.path.realpath(bundled) if os.path.exists(bundled) else ""


def main():
    try:
        import torch
        import torch.utils
    except Exception as e:  # not installed, or broken: either way there is no torch to build against
        reason = " ".join(f"{type(e).__name__}: {e}".split())
        print(f"status=absent\nreason={reason}")
        return
    print("status=found")
    print(f"version={torch.__version__}")
    print(f"prefix={torch.utils.cmake_prefix_path}")
    print(f"libtorch={loaded_libtorch(os.path.dirname(torch.__file__))}")
    print(f"cxx11_abi={int(torch.compiled_with_cxx11_abi())}")


if __name__ == "__main__":
    sys.exit(main())
