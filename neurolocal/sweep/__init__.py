"""Sweeps: grids of trainings run as Dask tasks into a resumable SQLite store, and their
reports (docs/sweeps.md).

`spec` (YAML grid → run configurations and keys), `run` (one run, as a worker executes it),
`execute` (in-process and Dask executors, `run_sweep`), `store` (the SQLite store), `report`
(Markdown/HTML with figures). Dask is imported only when a cluster is started or joined.
"""
