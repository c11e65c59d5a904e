"""Execution: many batches of runs, where they run, and what survives an interruption.

- `runner`: `simulate` splits a job into fixed-size batches with their own seed streams.
- `backends`: serial, worker processes or a Dask cluster behind one small interface.
- `journal`: finished batches kept on disk so an interrupted command resumes.
- `aggregate`: integer tallies of outcomes and the `Summary` with its intervals.
"""
