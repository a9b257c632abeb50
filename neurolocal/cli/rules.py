"""`neurolocal rules list` and `neurolocal rules show EXPR`."""

from __future__ import annotations

import argparse
from typing import Any

from ..rules import NAMED_RULES, LocalityContext, LocalRule, get_rule
from .common import add_common, print_json, table

CONTEXTS = {
    "output layer": LocalityContext("output", None),
    "hidden layer, no channel": LocalityContext("hidden", None),
    "hidden layer, feedback channel": LocalityContext("hidden", "feedback"),
    "hidden layer, deep-target channel": LocalityContext("hidden", "targets"),
}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("rules", help="list and inspect local learning rules")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add_common(actions.add_parser("list", help="the library of named rules")).set_defaults(
        func=list_rules)
    show = add_common(actions.add_parser("show", help="degrees, variables, locality and both "
                                         "codings of a rule (a name or an expression)"))
    show.add_argument("rule", help="a library name (oja, clamped:hebb, ...) or an expression")
    show.set_defaults(func=show_rule)


def describe(rule: LocalRule) -> dict[str, Any]:
    data = rule.to_dict()
    data["local_in"] = {where: rule.is_local(ctx) for where, ctx in CONTEXTS.items()}
    pm1 = rule.to_pm1()
    data["coding"] = {"01": str(rule.expr), "pm1": str(pm1.expr),
                      "pm1_apparent_degree": pm1.apparent_degree}
    return data


def list_rules(args: argparse.Namespace) -> int:
    rules = [get_rule(name) for name in NAMED_RULES]
    if args.json:
        print_json([{**describe(r), "description": NAMED_RULES[r.name].description}
                    for r in rules])
        return 0
    rows = [[r.name, r.pretty().removeprefix("Δw_ij = "), r.apparent_degree, r.effective_degree,
             "yes" if r.is_supervised else "no", "yes" if r.uses_feedback else "no"]
            for r in rules]
    print(table(rows, ["name", "Δw_ij", "apparent degree", "effective degree", "supervised",
                       "feedback"]))
    print("\nAlso: clamped:NAME (O_i → T_i) and gradient:NAME (O_i → T_i − O_i) of any rule.")
    return 0


def show_rule(args: argparse.Namespace) -> int:
    rule = get_rule(args.rule)
    data = describe(rule)
    if args.json:
        print_json(data)
        return 0
    print(f"rule              {rule.label}")
    print(f"                  {rule.pretty()}")
    print(f"latex             {rule.latex()}")
    print(f"parameters        {rule.parameters}")
    print(f"variables         {', '.join(data['variables'])}")
    print(f"apparent degree   {rule.apparent_degree}")
    print(f"effective degree  {rule.effective_degree}  (in w, with O_i ≈ linear in w)")
    print(f"supervised        {rule.is_supervised}    uses feedback  {rule.uses_feedback}")
    print(f"{{0,1}} coding      {data['coding']['01']}")
    print(f"{{-1,+1}} coding    {data['coding']['pm1']}")
    print("terms:")
    print(table([[str(t.coefficient), t.power, t.apparent_degree, t.effective_degree]
                 for t in rule.terms], ["coefficient", "powers", "apparent", "effective"]))
    print("locality:")
    for where, ok in data["local_in"].items():
        print(f"  {where:<36} {'local' if ok else 'NOT local'}")
    return 0
