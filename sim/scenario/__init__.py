"""The scenario layer: what an analyst writes, read and validated into a frozen `Scenario`.

- `fields`: shared field types (numbers that refuse booleans, flags).
- `distributions`: the distributions an ``uncertain:`` entry may declare, checked against the schema.
- `schema`: the pydantic models of a scenario file (actors, venues, events, time, simulation).
- `variants`: ``extends:`` chains and ``--set`` overrides on the raw document.
- `loader`: reading YAML safely, within limits, into a validated `Scenario`.
- `parameters`: drawing uncertain values and setting exact values in a scenario.
- `fuzz`: hostile variations of documents, for robustness tests.

Nothing here simulates; every layer above imports from here, never the reverse.
"""
