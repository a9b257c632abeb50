"""The SQLite store: one row per key, failed runs replaced only by a new attempt, NaN kept
as null, foreign and newer stores refused without being touched."""

from __future__ import annotations

import sqlite3

import pytest

from neurolocal.sweep.spec import parse_spec
from neurolocal.sweep.store import SCHEMA_VERSION, Store, StoreError, check_store

CONFIG = parse_spec({"channels": ["bp"], "epochs": 1}).runs[0]


def outcome(status="done", accuracy=0.5, error=None):
    return {"status": status, "epochs": [{"epoch": 1, "test_accuracy": accuracy}],
            "final": {"test_accuracy": accuracy}, "error": error, "timings": {"seconds": 1.0},
            "environment": {"version": "x"}}


def test_rows_round_trip_and_a_retried_run_replaces_its_failure(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        store.record("k1", "bp", CONFIG, outcome("failed", None, "Boom: no"), "demo")
        store.record("k2", "bp", CONFIG, outcome(accuracy=float("nan")), "demo")
        store.record("k1", "bp", CONFIG, outcome(accuracy=0.75), "demo")
    with Store(path, readonly=True) as store:
        assert store.statuses() == {"k1": "done", "k2": "done"}
        first, second = store.rows(["k1", "k2"])
    assert (first["attempts"], first["error"], first["final"]["test_accuracy"]) == (1 + 1, None,
                                                                                  0.75)
    assert first["config"] == CONFIG and first["seed"] == CONFIG["seed"]
    assert second["final"]["test_accuracy"] is None  # a diverged run's NaN, as JSON null
    with pytest.raises(sqlite3.IntegrityError):  # the key is the primary key
        sqlite3.connect(path).execute("INSERT INTO runs SELECT * FROM runs")


def test_a_store_from_a_newer_version_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        store.record("k1", "bp", CONFIG, outcome(), "demo")
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = ? WHERE name = 'schema_version'",
               (str(SCHEMA_VERSION + 1),))
    db.commit()
    db.close()
    before = path.read_bytes()
    for opener in (check_store, Store, lambda p: Store(p, readonly=True)):
        with pytest.raises(StoreError, match="newer neurolocal"):
            opener(path)
    assert path.read_bytes() == before


def test_foreign_files_are_not_stores(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello " * 200)
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)")
    for path in (text, other):
        with pytest.raises(StoreError, match="not a sweep store"):
            check_store(path)
    with pytest.raises(StoreError, match="no such store"):
        Store(tmp_path / "missing.sqlite", readonly=True)
    assert not (tmp_path / "missing.sqlite").exists()
