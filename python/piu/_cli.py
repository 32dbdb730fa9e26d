"""The ``piu`` console script of the wheel: runs the piu command line bundled in the package.

The wheel carries the C++ CLI as ``piu/bin/piu`` (it finds libpiu, ONNX Runtime and the plugins
beside it through its rpath); this replaces the Python process with it, so arguments, output and
the exit status are the CLI's own.
"""
import os
import sys


def binary_path():
    """The bundled CLI: ``bin/piu`` inside this package."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "piu")


def main():
    binary = binary_path()
    if not os.access(binary, os.X_OK):
        # The build tree's package (build/python/piu) has no bin/: its CLI is build/bin/piu.
        sys.exit(f"piu: the command line is not bundled with this piu package ({binary} is missing)")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(binary, ["piu", *sys.argv[1:]])
