"""Analyses: questions asked of scenarios, answered with frozen result objects.

- `zone`: the zone of agreement before any simulation.
- `trace`: one run told round by round.
- `experiment`: paired arms with common random numbers; `sweep` over a grid of them.
- `propagate`, `sensitivity`, `discover`: over the scenario's uncertain parameters.
- `calibrate`: the parameter value that matches an outside probability.
- `score`: Brier and log scores against resolved questions.

An analysis computes and returns; it never prints or writes a file (that is `sim.report`).
"""
