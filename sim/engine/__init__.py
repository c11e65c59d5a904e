"""The engine: one batch of runs of the negotiation model, vectorised over runs.

- `inputs`: a `Scenario` compiled into arrays (`ModelInputs`).
- `state`: the per-run state of a batch and the rules of one round (`BatchState`).
- `acceptance`: eq. (2), the logit acceptance and its odds.
- `costs`: eq. (7), venues' joint costs per run and round (`JointCosts`).
- `picks`: inverse-CDF picks among a few options, one uniform per run.
- `streams`: random numbers a round cannot use, passed over without drawing them.
- `shocks`: eq. (6), random shocks and their effects (`ShockState`).
- `strategies`: the mediator strategies, one function each, looked up by name
  (`STRATEGIES`).
- `model`: the SimPy process that drives the rounds (`simulate_batch`).
- `outcome`: one flat record per run (`BatchOutcome`), stored column-wise.
- `stacked`: several variants of a scenario side by side in one batch, each a block of
  lanes with its own per-lane numbers and the random numbers it would draw alone.

The engine reads only the scenario layer; it does no I/O and never prints.
"""
