"""The local-rule algebra: rules as polynomials in local variables (THEORY.md sections 1-2)."""

from .errors import RuleError
from .library import NAMED_RULES, get_rule
from .numpy_rule import CompiledRule
from .rule import LocalityContext, LocalRule, Term, enumerate_monomials
from .variables import ALIASES, DEFAULT_PARAMETERS, VARIABLES

__all__ = ["ALIASES", "DEFAULT_PARAMETERS", "NAMED_RULES", "VARIABLES", "CompiledRule",
           "LocalRule", "LocalityContext", "RuleError", "Term", "enumerate_monomials", "get_rule"]
