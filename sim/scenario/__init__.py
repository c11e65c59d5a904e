"""The scenario layer: what an analyst writes, read and validated into a frozen `Scenario`.

- `fields`: shared field types: numbers that refuse booleans, flags, and the one date
  type (`Date`, `parse_date`) every date field and date option uses.
- `distributions`: the distributions an ``uncertain:`` entry may declare, checked against the schema.
- `schema`: the pydantic models of a scenario file (actors, venues, events, time, simulation).
- `safe_yaml`: YAML read safely within limits (size, nodes, depth, duplicate keys), for
  files, ``--set`` and ``--param`` values alike, and the same limits for Python values.
- `problems`: pydantic's validation errors translated into `Problem` lines that say what
  is allowed, in one place.
- `variants`: ``extends:`` chains (and how far they may reach) and ``--set`` overrides on the raw document.
- `loader`: a file, its parents and its overrides into a validated `Scenario`.
- `parameters`: drawing uncertain values and setting exact values in a scenario.
- `skeleton`: the commented, valid scenario ``sim init`` writes.
- `fuzz`: hostile variations of documents and hostile command-line values, for robustness tests.

Nothing here simulates; every layer above imports from here, never the reverse.
"""
