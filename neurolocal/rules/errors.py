"""The one error a rule raises for bad input."""

from ..errors import UserError


class RuleError(UserError):
    """A rule expression or construction that is not a valid local polynomial rule.

    The message names the offending part (a variable, a sub-expression, a column).
    """
