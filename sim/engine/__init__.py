"""The engine: one batch of runs of the negotiation model, vectorised over runs.

- `inputs`: a `Scenario` compiled into arrays (`ModelInputs`).
- `state`: the per-run state of a batch and the rules of one round (`BatchState`),
  including how each mediator strategy fills the table.
- `model`: the SimPy process that drives the rounds (`simulate_batch`).
- `outcome`: one flat record per run (`BatchOutcome`), stored column-wise.

The engine reads only the scenario layer; it does no I/O and never prints.
"""
