"""The one error a rule raises for bad input."""


class RuleError(ValueError):
    """A rule expression or construction that is not a valid local polynomial rule.

    The message names the offending part (a variable, a sub-expression, a column).
    """
