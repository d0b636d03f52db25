"""Arithmetic tools: `add(a, b)` and `calculate(expression)`.

`calculate` parses the expression with Python's `ast` module (parsing only; nothing is
evaluated by Python) and walks a short whitelist of node types: numbers, + - * / // % **,
unary signs, parentheses, a few functions (abs, round, min, max, sqrt) and the constants
pi and e. Sizes are bounded so that a model cannot make the server compute 9**9**9.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Annotated

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

MAX_EXPRESSION_LENGTH = 500
MAX_EXPONENT = 1000
# Beyond this magnitude integers stop being useful answers and start being a CPU sink.
MAX_MAGNITUDE = 10**308

Number = int | float


class CalculationError(ValueError):
    """The expression is not allowed or cannot be computed; the message says why."""


_BINARY: dict[type[ast.operator], Callable[[Number, Number], Number]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Number], Number]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}
_FUNCTIONS: dict[str, Callable[..., Number]] = {
    "abs": abs,
    "round": round,
    "min": min,
    "max": max,
    "sqrt": math.sqrt,
}
_CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}


def evaluate(expression: str) -> Number:
    """Compute an arithmetic expression; raise CalculationError with a readable reason."""
    text = expression.strip()
    if not text:
        raise CalculationError("empty expression")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise CalculationError(f"expression longer than {MAX_EXPRESSION_LENGTH} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise CalculationError(f"not an arithmetic expression: {exc.msg}") from None
    result = _eval(tree.body)
    if isinstance(result, float) and not math.isfinite(result):
        raise CalculationError("result is not a finite number")
    return result


def _eval(node: ast.expr) -> Number:
    if isinstance(node, ast.Constant):
        # bool is an int subclass; True + 1 is not arithmetic a user meant.
        if isinstance(node.value, int | float) and not isinstance(node.value, bool):
            return _bounded(node.value)
        raise CalculationError(f"unsupported literal {node.value!r}")
    if isinstance(node, ast.Name):
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        raise CalculationError(f"unknown name {node.id!r} (known: pi, e)")
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
            raise CalculationError(f"exponent {right} is larger than {MAX_EXPONENT}")
        try:
            result = _BINARY[type(node.op)](left, right)
        except ZeroDivisionError:
            raise CalculationError("division by zero") from None
        except OverflowError:
            raise CalculationError("result too large") from None
        return _bounded(result)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        function = _FUNCTIONS.get(node.func.id)
        if function is None:
            known = ", ".join(sorted(_FUNCTIONS))
            raise CalculationError(f"unknown function {node.func.id!r} (known: {known})")
        arguments = [_eval(arg) for arg in node.args]
        try:
            return _bounded(function(*arguments))
        except (TypeError, ValueError) as exc:
            raise CalculationError(f"{node.func.id}: {exc}") from None
    raise CalculationError(f"unsupported syntax: {ast.unparse(node)!r}")


def _bounded(value: object) -> Number:
    if isinstance(value, complex):  # (-8) ** 0.5
        raise CalculationError("result is a complex number")
    if not isinstance(value, int | float):
        raise CalculationError(f"unexpected result {value!r}")
    if isinstance(value, int) and abs(value) > MAX_MAGNITUDE:
        raise CalculationError("result too large")
    return value


def add(
    a: Annotated[int | float, Field(description="First number.")],
    b: Annotated[int | float, Field(description="Second number.")],
) -> int | float:
    """Add two numbers and return the sum."""
    return a + b


def calculate(
    expression: Annotated[
        str,
        Field(description="Arithmetic such as '(2 + 3) * 4 / 7' or 'sqrt(2) * pi'."),
    ],
) -> Number:
    """Compute an arithmetic expression: numbers, + - * / // % **, parentheses,
    abs, round, min, max, sqrt, pi and e. Nothing else is allowed."""
    try:
        return evaluate(expression)
    except CalculationError as exc:
        raise ToolError(f"cannot calculate {expression!r}: {exc}") from None
