"""Tiny, safe expression language for exercise specs: arithmetic, comparisons, and/or/not,
abs/min/max/isnan/nz over named numbers. Compiled once; evaluated either per frame with a dict of
numbers (live) or over whole arrays of frames (replay, scoring) with the same results.

Every expression has a kind, checked when the spec is loaded: a *condition* (comparisons, and/or/
not, isnan, a condition signal) or a *number* (everything else). and/or/not take conditions;
arithmetic and abs/min/max/nz take numbers. NaN (a signal that could not be measured) makes every
comparison false, so a position whose landmarks are not visible is neither entered nor left; a
division by zero makes the whole expression NaN (not true)."""
from __future__ import annotations

import ast
import math

import numpy as np

from formcheck.errors import UsageError

_ALLOWED = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd,
    ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Compare, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
    ast.Call, ast.Name, ast.Load, ast.Constant,
)
BOOL, NUMBER = "condition", "number"


def _nan_min(*xs):
    return math.nan if any(x != x for x in xs) else min(xs)


def _nan_max(*xs):
    return math.nan if any(x != x for x in xs) else max(xs)


def _nz(x, default):
    """x, or `default` when x could not be measured (NaN)."""
    return default if x != x else x


# min/max propagate NaN (Python's builtins would depend on argument order); nz replaces it.
FUNCTIONS = {"abs": abs, "min": _nan_min, "max": _nan_max, "isnan": math.isnan, "nz": _nz}
_GLOBALS = {"__builtins__": {}, **FUNCTIONS}
_ARITY = {"abs": (1, 1), "min": (2, 99), "max": (2, 99), "isnan": (1, 1), "nz": (2, 2)}
_COMPARE = {ast.Lt: np.less, ast.LtE: np.less_equal, ast.Gt: np.greater, ast.GtE: np.greater_equal}
_ARITH = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply}


def _or_err(a, b):
    if a is None:
        return b
    return a if b is None else a | b


class Expr:
    def __init__(self, source: str, where: str):
        self.source = source
        self.where = where
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
                lo, hi = _ARITY[node.func.id]
                if not lo <= len(node.args) <= hi:
                    raise UsageError(f"{where}: {node.func.id}() takes {lo}{'' if lo == hi else '+'} "
                                     f"argument(s) in {source!r}")
            elif isinstance(node, ast.Name) and node.id not in FUNCTIONS:
                names.add(node.id)
            elif isinstance(node, ast.Constant) and (isinstance(node.value, bool)
                                                     or not isinstance(node.value, (int, float))):
                raise UsageError(f"{where}: only numbers may appear in {source!r}")
        self.names = names
        self._expression, self._tree = tree, tree.body
        self._code = None   # compiled at the first per-frame call (scoring a file may never make one)

    # -- per frame ------------------------------------------------------------------------------
    def __call__(self, env: dict) -> float | bool:
        if self._code is None:
            self._code = compile(self._expression, self.where, "eval")
        try:
            return eval(self._code, _GLOBALS, env)
        except (ZeroDivisionError, ValueError, OverflowError):
            return math.nan

    # -- kinds ----------------------------------------------------------------------------------
    def kind(self, name_kinds: dict[str, str]) -> str:
        """BOOL or NUMBER; a UsageError where a condition meets arithmetic or the other way round.
        `name_kinds` gives the kind of names that are not numbers (condition signals)."""
        return self._kind(self._tree, name_kinds)

    def _need(self, node, want: str, name_kinds) -> None:
        got = self._kind(node, name_kinds)
        if got != want:
            text = ast.get_source_segment(self.source, node) or "?"
            raise UsageError(f"{self.where}: {text!r} is a {got}, a {want} is needed here in {self.source!r}")

    def _kind(self, node, nk) -> str:
        if isinstance(node, ast.Name):
            return nk.get(node.id, NUMBER)
        if isinstance(node, ast.Constant):
            return NUMBER
        if isinstance(node, ast.BoolOp):
            for v in node.values:
                self._need(v, BOOL, nk)
            return BOOL
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                self._need(node.operand, BOOL, nk)
                return BOOL
            self._need(node.operand, NUMBER, nk)
            return NUMBER
        if isinstance(node, ast.BinOp):
            self._need(node.left, NUMBER, nk)
            self._need(node.right, NUMBER, nk)
            return NUMBER
        if isinstance(node, ast.Compare):
            for v in [node.left, *node.comparators]:
                self._need(v, NUMBER, nk)
            return BOOL
        if isinstance(node, ast.Call):
            for v in node.args:
                self._need(v, NUMBER, nk)
            return BOOL if node.func.id == "isnan" else NUMBER
        raise UsageError(f"{self.where}: cannot read {self.source!r}")  # pragma: no cover

    # -- over arrays ----------------------------------------------------------------------------
    def arrays(self, env: dict) -> np.ndarray:
        """The expression over arrays of frames: `env` maps names to (N,) arrays or plain numbers.
        Conditions give bool arrays, numbers float arrays; element for element the same as the
        per-frame call (NaN where that call would have divided by zero; for a condition, false)."""
        with np.errstate(all="ignore"):
            value, err = self._ev(self._tree, env)
        value = np.asarray(value)
        if err is not None and err.any():
            value = np.where(err, False, value) if value.dtype == bool else np.where(err, np.nan, value)
        return value

    def _ev(self, node, env):
        """(value, err): err marks the frames where the per-frame call raised ZeroDivisionError
        (None = nowhere). Operands skipped by and/or/chained comparisons do not count."""
        if isinstance(node, ast.Name):
            return env[node.id], None
        if isinstance(node, ast.Constant):
            return float(node.value), None
        if isinstance(node, ast.BoolOp):
            value, err = self._ev(node.values[0], env)
            value = np.asarray(value, dtype=bool)
            is_and = isinstance(node.op, ast.And)
            for operand in node.values[1:]:
                v2, e2 = self._ev(operand, env)
                evaluated = value if is_and else ~value   # where Python goes on to this operand
                if e2 is not None:
                    err = _or_err(err, evaluated & e2)
                value = (value & v2) if is_and else (value | v2)
            return value, err
        if isinstance(node, ast.UnaryOp):
            v, err = self._ev(node.operand, env)
            if isinstance(node.op, ast.Not):
                return ~np.asarray(v, dtype=bool), err
            return (np.negative(v) if isinstance(node.op, ast.USub) else np.positive(v)), err
        if isinstance(node, ast.BinOp):
            a, ea = self._ev(node.left, env)
            b, eb = self._ev(node.right, env)
            err = _or_err(ea, eb)
            if isinstance(node.op, ast.Div):
                zero = np.asarray(b) == 0
                if zero.any():
                    err = _or_err(err, np.broadcast_to(zero, np.broadcast(a, b).shape))
                return np.true_divide(a, b), err
            return _ARITH[type(node.op)](a, b), err
        if isinstance(node, ast.Compare):
            left, err = self._ev(node.left, env)
            value = None
            for op, right_node in zip(node.ops, node.comparators):
                right, er = self._ev(right_node, env)
                if er is not None:
                    err = _or_err(err, er if value is None else (value & er))
                step = _COMPARE[type(op)](left, right)
                value = step if value is None else (value & step)
                left = right
            return value, err
        if isinstance(node, ast.Call):
            args, err = [], None
            for a in node.args:
                v, e = self._ev(a, env)
                args.append(v)
                err = _or_err(err, e)
            fn = node.func.id
            if fn == "abs":
                return np.abs(args[0]), err
            if fn == "isnan":
                return np.isnan(args[0]), err
            if fn == "nz":
                return np.where(np.isnan(args[0]), args[1], args[0]), err
            reduce = np.minimum if fn == "min" else np.maximum   # both propagate NaN
            out = args[0]
            for v in args[1:]:
                out = reduce(out, v)
            return out, err
        raise UsageError(f"{self.where}: cannot read {self.source!r}")  # pragma: no cover

    def __repr__(self) -> str:
        return f"Expr({self.source!r})"
