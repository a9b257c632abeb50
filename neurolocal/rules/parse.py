"""Parse a rule string into a sympy polynomial, safely and with errors that point at the problem.

The string is read with Python's `ast` (never `eval`) and only polynomial syntax is accepted:
numbers, names, ``+ - * /`` and ``**`` with a small non-negative integer exponent. Division is
allowed only by an expression free of local variables (``pre/2``, ``eta/c``). Every
sub-expression's degree, term count and coefficient size are bounded (`bounds`) before it is
built; a rule beyond a limit raises RuleError naming the limit.
"""

from __future__ import annotations

import ast
import math
import warnings

import sympy

from . import bounds
from .errors import RuleError
from .variables import ALIASES, VARIABLES, canonical

MAX_LENGTH = 10_000
MAX_EXPONENT = 16

SYMBOLS: dict[str, sympy.Symbol] = {name: sympy.Symbol(name) for name in VARIABLES}


def parameter_symbol(name: str) -> sympy.Symbol:
    return sympy.Symbol(name)


def _pointer(text: str, node: ast.AST) -> str:
    segment = ast.get_source_segment(text, node)
    return f"'{segment}'" if segment is not None else "an expression"


class _Translator:
    """Walks the AST of a rule and returns a sympy expression with its `Size`, or raises
    RuleError. Every operation's size is bounded from its operands' before it is built, so a
    hostile rule is refused before sympy does any large work."""

    def __init__(self, text: str, known_parameters: set[str]):
        self.text = text
        self.known = known_parameters
        self.parameters: set[str] = set()

    def fail(self, node: ast.AST, why: str) -> RuleError:
        return RuleError(f"in rule {self.text!r}: {_pointer(self.text, node)} {why}")

    def bounded(self, node: ast.AST, size: bounds.Size) -> bounds.Size:
        problem = size.problem()
        if problem is not None:
            raise self.fail(node, problem)
        return size

    def visit(self, node: ast.AST) -> tuple[sympy.Expr, bounds.Size]:
        if isinstance(node, ast.Expression):
            return self.visit(node.body)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise self.fail(node, "is not a number, a local variable or a parameter")
            if not math.isfinite(node.value):
                raise self.fail(node, "is not a finite number")
            if abs(node.value) > 10.0 ** bounds.MAX_DIGITS:
                raise self.fail(node, f"is beyond 1e{bounds.MAX_DIGITS} (the limit)")
            value = sympy.nsimplify(node.value, rational=True) if isinstance(node.value, float) \
                else sympy.Integer(node.value)
            return value, self.bounded(node, bounds.number(value))
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
            operand, size = self.visit(node.operand)
            return (-operand if isinstance(node.op, ast.USub) else operand), size
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.Call):
            raise self.fail(node, "is a function call; a local rule must be a polynomial in the "
                            "local variables")
        raise self.fail(node, "is not allowed in a polynomial rule (use numbers, variables, "
                        "parameters, + - * / and ** with an integer exponent)")

    def name(self, node: ast.Name) -> tuple[sympy.Expr, bounds.Size]:
        variable = canonical(node.id)
        if variable is not None:
            return SYMBOLS[variable], bounds.symbol(variable)
        if node.id in self.known:
            self.parameters.add(node.id)
            return parameter_symbol(node.id), bounds.symbol(node.id)
        names = ", ".join(f"{n} ({v.symbol})" for n, v in VARIABLES.items())
        raise self.fail(node, f"is an unknown name: not a local variable [{names}] nor a "
                        f"parameter with a value (known: {', '.join(sorted(self.known))}; pass "
                        f"{node.id}=VALUE to declare it)")

    def binop(self, node: ast.BinOp) -> tuple[sympy.Expr, bounds.Size]:
        left, left_size = self.visit(node.left)
        if isinstance(node.op, ast.Pow):
            return self.power(node, left, left_size)
        right, right_size = self.visit(node.right)
        if isinstance(node.op, (ast.Add, ast.Sub)):
            size = self.bounded(node, bounds.add(left_size, right_size))
            return (left + right if isinstance(node.op, ast.Add) else left - right), size
        if isinstance(node.op, ast.Mult):
            return left * right, self.bounded(node, bounds.mul(left_size, right_size))
        if isinstance(node.op, ast.Div):
            if right_size.degree:
                raise self.fail(node.right, "is a divisor that contains a local variable; a "
                                "polynomial rule may divide only by constants and parameters")
            if right == 0:
                raise self.fail(node.right, "is a division by zero")
            size = self.bounded(node, bounds.mul(left_size, bounds.inverse(right_size)))
            return left / right, size
        raise self.fail(node, "uses an operator that is not allowed (only + - * / **)")

    def power(self, node: ast.BinOp, base: sympy.Expr, base_size: bounds.Size
              ) -> tuple[sympy.Expr, bounds.Size]:
        exponent_node = node.right
        sign = 1
        while isinstance(exponent_node, ast.UnaryOp) and isinstance(
            exponent_node.op, (ast.USub, ast.UAdd)
        ):
            sign *= -1 if isinstance(exponent_node.op, ast.USub) else 1
            exponent_node = exponent_node.operand
        if not (isinstance(exponent_node, ast.Constant) and type(exponent_node.value) in (int,
                                                                                         float)):
            raise self.fail(node.right, "is not allowed as an exponent: use a number literal")
        value = sign * exponent_node.value
        if not math.isfinite(value):
            raise self.fail(node.right, "is not a finite exponent")
        if abs(value) > MAX_EXPONENT:
            raise self.fail(node, f"has an exponent above {MAX_EXPONENT}")
        integer = value == int(value)
        if base_size.degree:
            if not integer or value < 0:
                raise self.fail(node, "has a negative or fractional power of a local variable; a "
                                "polynomial rule needs non-negative integer powers")
            size = self.bounded(node, bounds.power(base_size, int(value)))
            return base ** int(value), size
        if base == 0 and value < 0:
            raise self.fail(node, "is a division by zero")
        if not integer and base.is_number and base < 0:
            raise self.fail(node, "is not a real number (a fractional power of a negative "
                            "number)")
        if integer:
            size = self.bounded(node, bounds.power(base_size, int(value)))
            return base ** int(value), size
        size = self.bounded(node, bounds.Size(0, base_size.total, 1, base_size.symbols,
                                              base_size.digits * abs(value)))
        return base ** sympy.nsimplify(value, rational=True), size


def parse_rule(text: str, known_parameters: set[str]) -> tuple[sympy.Expr, set[str]]:
    """Translate `text` into a sympy expression; returns it and the parameters it uses."""
    if not isinstance(text, str):
        raise RuleError(f"a rule expression must be a string, not {type(text).__name__}")
    if not text.strip():
        raise RuleError("empty rule: give a polynomial such as 'eta*post*pre'")
    if len(text) > MAX_LENGTH:
        raise RuleError(f"rule text is {len(text)} characters long; the limit is {MAX_LENGTH}")
    if "\0" in text:
        raise RuleError(f"rule contains a NUL byte at column {text.index(chr(0)) + 1}")
    try:
        with warnings.catch_warnings():  # e.g. "invalid decimal literal" for '1e'
            warnings.simplefilter("ignore")
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        column = (error.offset or 1) - 1
        if len(text) > 80:
            raise RuleError(f"syntax error in rule at column {column + 1}: {error.msg}") from None
        raise RuleError(f"syntax error in rule {text!r} at column {column + 1}: {error.msg}\n"
                        f"  {text.strip()}\n  {' ' * column}^") from None
    except (RecursionError, MemoryError):
        raise RuleError(f"rule {text[:60]!r}... is nested too deeply to parse") from None
    except ValueError as error:  # e.g. an integer literal beyond Python's digit limit
        raise RuleError(f"rule {text[:60]!r} cannot be read: {error}") from None
    translator = _Translator(text.strip(), known_parameters)
    try:
        expr, _ = translator.visit(tree)
    except RecursionError:
        raise RuleError(f"rule {text[:60]!r}... is nested too deeply to parse") from None
    return expr, translator.parameters


__all__ = ["parse_rule", "SYMBOLS", "ALIASES", "parameter_symbol"]
