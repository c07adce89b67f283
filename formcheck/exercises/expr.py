"""Tiny, safe expression language for exercise specs: arithmetic, comparisons, and/or/not,
abs/min/max/isnan/nz over named numbers. Compiled once; evaluated per frame with a dict of names.

NaN (a signal that could not be measured) makes every comparison false, so a position whose
landmarks are not visible is neither entered nor left."""
from __future__ import annotations

import ast
import math

from formcheck.errors import UsageError

_ALLOWED = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd,
    ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Compare, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
    ast.Call, ast.Name, ast.Load, ast.Constant,
)


def _nan_min(*xs):
    return math.nan if any(x != x for x in xs) else min(xs)


def _nan_max(*xs):
    return math.nan if any(x != x for x in xs) else max(xs)


def _nz(x, default):
    """x, or `default` when x could not be measured (NaN)."""
    return default if x != x else x


# min/max propagate NaN (Python's builtins would depend on argument order); nz replaces it.
FUNCTIONS = {"abs": abs, "min": _nan_min, "max": _nan_max, "isnan": math.isnan, "nz": _nz}


class Expr:
    def __init__(self, source: str, where: str):
        self.source = source
        try:
            tree = ast.parse(source, mode="eval")
        except SyntaxError:
            raise UsageError(f"{where}: cannot parse expression {source!r}") from None
        names = set()
        for node in ast.walk(tree):
            if not isinstance(node, _ALLOWED):
                raise UsageError(f"{where}: {type(node).__name__} is not allowed in {source!r}")
            if isinstance(node, ast.Call):
                if not (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS) or node.keywords:
                    raise UsageError(f"{where}: only {'/'.join(FUNCTIONS)} may be called in {source!r}")
            elif isinstance(node, ast.Name) and node.id not in FUNCTIONS:
                names.add(node.id)
            elif isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
                raise UsageError(f"{where}: only numbers may appear in {source!r}")
        self.names = names
        self._code = compile(tree, where, "eval")

    def __call__(self, env: dict) -> float | bool:
        try:
            return eval(self._code, {"__builtins__": {}, **FUNCTIONS}, env)
        except (ZeroDivisionError, ValueError, OverflowError):
            return math.nan

    def __repr__(self) -> str:
        return f"Expr({self.source!r})"
