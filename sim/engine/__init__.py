"""The engine: one batch of runs of the negotiation model, vectorised over runs.

- `inputs`: a `Scenario` compiled into arrays (`ModelInputs`).
- `strategies`: how a mediator chooses what to put on the table, one function per strategy.
- `state`: the per-run state of a batch and the rules of one round (`BatchState`).
- `model`: the SimPy process that drives the rounds (`simulate_batch`).
- `outcome`: one flat record per run (`BatchOutcome`), stored column-wise.

The engine reads only the scenario layer; it does no I/O and never prints.
"""
