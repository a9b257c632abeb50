"""The sweep store: one SQLite file, one row per run keyed by its configuration hash.

Only the client process writes (workers return their results); every finished run is committed
in its own transaction as it arrives, so a killed client loses only the runs still in flight.
The file carries its schema version; a store from a newer version is refused, never altered.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..io import json_ready

#: Bumped whenever the table layout changes; stores with a larger version are refused.
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    key TEXT PRIMARY KEY,           -- SHA-256 of the canonical configuration
    status TEXT NOT NULL,           -- done | failed
    channel TEXT NOT NULL,          -- channel label, e.g. rbp[quantize=1]
    seed INTEGER NOT NULL,
    config TEXT NOT NULL,           -- JSON
    epochs TEXT NOT NULL,           -- JSON list: per-epoch metrics
    final TEXT NOT NULL,            -- JSON: last epoch's metrics, diverged_at, samples/s
    error TEXT,                     -- one line, when status = failed
    traceback TEXT,
    timings TEXT NOT NULL,          -- JSON: started, finished, seconds, load/train seconds
    environment TEXT NOT NULL,      -- JSON: version, git commit, platform, host, worker
    attempts INTEGER NOT NULL,
    sweep TEXT NOT NULL,            -- name of the sweep that ran it
    recorded REAL NOT NULL          -- client time of the commit
);
"""

_JSON_COLUMNS = ("config", "epochs", "final", "timings", "environment")


class StoreError(UserError):
    """The file is not a usable sweep store (missing, foreign, or from a newer version)."""


def check_store(path: str | Path) -> None:
    """Refuse, without writing anything, a file that exists but is not a store this version
    can read. A missing file is fine (it is created when the first result arrives)."""
    if Path(path).exists():
        Store(path, readonly=True).close()


class Store:
    """Rows of a store; `record` writes one finished run (insert, or replace a failed one)."""

    def __init__(self, path: str | Path, readonly: bool = False):
        self.path = Path(path)
        if readonly and not self.path.exists():
            raise StoreError(f"{self.path}: no such store")
        uri = f"{self.path.resolve().as_uri()}?mode={'ro' if readonly else 'rwc'}"
        try:
            self.db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30)
            self._check_version(readonly)
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path}: not a sweep store ({error})") from None

    def _check_version(self, readonly: bool) -> None:
        tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master "
                                                "WHERE type = 'table'")}
        if tables and not {"meta", "runs"} <= tables:
            raise StoreError(f"{self.path}: an SQLite file, but not a sweep store")
        if "meta" in tables:
            row = self.db.execute("SELECT value FROM meta WHERE name = 'schema_version'"
                                  ).fetchone()
            version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise StoreError(f"{self.path}: written by a newer neurolocal (store schema "
                                 f"{version}, this version reads up to {SCHEMA_VERSION}); "
                                 f"upgrade neurolocal")
        elif not readonly:
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.executescript("BEGIN;" + _SCHEMA +
                                  "INSERT INTO meta VALUES ('schema_version', "
                                  f"'{SCHEMA_VERSION}'); COMMIT;")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def statuses(self) -> dict[str, str]:
        """key -> status of every recorded run."""
        if not self._has_runs():
            return {}
        return dict(self.db.execute("SELECT key, status FROM runs"))

    def rows(self, keys: list[str] | None = None) -> list[dict[str, Any]]:
        """Recorded runs as dicts (JSON columns decoded), in recording order; with `keys`,
        only those runs, in that order."""
        if not self._has_runs():
            return []
        cursor = self.db.execute("SELECT * FROM runs ORDER BY recorded")
        names = [c[0] for c in cursor.description]
        rows = []
        for values in cursor:
            row = dict(zip(names, values))
            for column in _JSON_COLUMNS:
                row[column] = json.loads(row[column])
            rows.append(row)
        if keys is None:
            return rows
        by_key = {r["key"]: r for r in rows}
        return [by_key[k] for k in keys if k in by_key]

    def record(self, key: str, channel: str, config: dict[str, Any], outcome: dict[str, Any],
               sweep: str) -> None:
        """Commit one finished run (`outcome` as returned by `execute_run`)."""
        previous = self.db.execute("SELECT attempts FROM runs WHERE key = ?", (key,)).fetchone()
        values = (key, outcome["status"], channel, config["seed"], _dump(config),
                  _dump(outcome.get("epochs", [])), _dump(outcome.get("final", {})),
                  outcome.get("error"), outcome.get("traceback"),
                  _dump(outcome.get("timings", {})), _dump(outcome.get("environment", {})),
                  1 + (previous[0] if previous else 0), sweep, time.time())
        self.db.execute(f"INSERT OR REPLACE INTO runs VALUES ({', '.join('?' * len(values))})",
                        values)

    def _has_runs(self) -> bool:
        return self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'runs'").fetchone() \
            is not None


def _dump(value: Any) -> str:
    return json.dumps(json_ready(value), sort_keys=True)  # diverged runs' NaN as null


