"""Reporting: results turned into what people and programs read.

- `export`: CSV rows and JSON payloads of results.
- `tables`: the terminal tables (rich).
- `plots`: PNG figures (matplotlib, an optional extra).
- `manifest`: provenance beside every output, and `sim replay`.
- `files`: atomic writes, so no output is ever half-written.
"""
