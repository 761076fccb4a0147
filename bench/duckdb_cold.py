#!/usr/bin/env python3
"""Cold DuckDB baseline for `spar bench`: a fresh process opens its own database file and aggregates one scope.

  duckdb_cold.py load EVENTS.csv DB.duckdb        (not timed: builds the database file once)
  duckdb_cold.py query DB.duckdb SCOPE FROM_MS TO_MS

`query` computes, over [from, to) for the work units under SCOPE (a path prefix; '' for all): the seconds in each
state category (each state lasts until the unit's next state, cut at the window edges) and the good, scrap and
rework sums. It prints "seconds N": the time from opening the database file to the fetched result (the
interpreter's start and the import of duckdb excluded), for `spar bench` to set beside the whole process time.
"""
import sys
import time

import duckdb


def load(csv: str, db: str) -> None:
    con = duckdb.connect(db)
    con.execute("DROP TABLE IF EXISTS ev")
    con.execute(
        "CREATE TABLE ev AS SELECT * FROM read_csv(?, header=true, "
        "columns={'unit':'VARCHAR','ts':'BIGINT','type':'VARCHAR','category':'VARCHAR',"
        "'good':'DOUBLE','scrap':'DOUBLE','rework':'DOUBLE'}) ORDER BY unit, ts",
        [csv],
    )
    con.close()


def query(db: str, scope: str, lo: int, hi: int) -> None:
    started = time.perf_counter()
    con = duckdb.connect(db, read_only=True)
    rows = con.execute(
        """
        WITH scoped AS (
            SELECT * FROM ev WHERE $scope = '' OR unit = $scope OR starts_with(unit, $scope || '/')
        ),
        states AS (
            SELECT unit, category, ts AS s,
                   COALESCE(LEAD(ts) OVER (PARTITION BY unit ORDER BY ts), 9223372036854775807) AS e
            FROM scoped WHERE type = 'state'
        ),
        unit_time AS (
            SELECT category, SUM(GREATEST(0, LEAST(e, $hi) - GREATEST(s, $lo))) / 1000.0 AS seconds
            FROM states WHERE s < $hi AND e > $lo GROUP BY category
        ),
        qty AS (
            SELECT SUM(good) AS good, SUM(scrap) AS scrap, SUM(rework) AS rework
            FROM scoped WHERE type = 'count' AND ts > $lo AND ts <= $hi
        )
        SELECT category, seconds, good, scrap, rework FROM unit_time, qty
        """,
        {"scope": scope, "lo": lo, "hi": hi},
    ).fetchall()
    elapsed = time.perf_counter() - started
    print(f"rows {len(rows)}")
    print(f"seconds {elapsed}")


if __name__ == "__main__":
    if sys.argv[1] == "load":
        load(sys.argv[2], sys.argv[3])
    else:
        query(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
