"""The type stub names the public API, with the extension module's keyword arguments."""
import ast
import inspect
import os
import re

import piu

STUB = os.path.join(os.path.dirname(piu.__file__), "__init__.pyi")


def stub_functions():
    tree = ast.parse(open(STUB).read())
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def stub_classes():
    tree = ast.parse(open(STUB).read())
    return {node.name for node in tree.body if isinstance(node, ast.ClassDef)}


def test_stub_covers_all_public_names():
    declared = set(stub_functions()) | stub_classes() | {"__version__"}
    assert set(piu.__all__) == declared


def test_stub_keyword_arguments_match_the_module():
    for name, node in stub_functions().items():
        stub_args = [a.arg for a in node.args.args + node.args.kwonlyargs]
        function = getattr(piu, name)
        if inspect.isfunction(function):  # written in Python (export)
            assert stub_args == list(inspect.signature(function).parameters), name
            continue
        signature = function.__doc__.splitlines()[0]  # pybind11's "name(arg: type = default, ...) -> ..."
        assert stub_args == re.findall(r"(?:\(|, )(\w+):", signature), name
