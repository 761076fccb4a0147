#!/usr/bin/env python3
"""DuckDB baseline for `spar bench`: the same time-model aggregation on the same events.

Reads the CSV that `spar bench` writes (unit, ts ms, type, category, good, scrap, rework) and computes,
per work unit over [from, to): the seconds in each state category (each state lasts until the unit's next
state, cut at the window edges) and the good/scrap/rework sums, then rolls them up to every prefix of the
unit path. Spar additionally intersects with shift calendars, which this baseline does not.

usage: duckdb_baseline.py EVENTS.csv FROM_MS TO_MS      (pip install duckdb)
Prints "seconds N" as its last line: the query time, CSV loading excluded.
"""
import sys
import time

import duckdb


def main() -> None:
    path, lo, hi = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE ev AS SELECT * FROM read_csv(?, header=true, "
        "columns={'unit':'VARCHAR','ts':'BIGINT','type':'VARCHAR','category':'VARCHAR',"
        "'good':'DOUBLE','scrap':'DOUBLE','rework':'DOUBLE'})",
        [path],
    )
    started = time.perf_counter()
    rows = con.execute(
        """
        WITH states AS (
            SELECT unit, category, ts AS s,
                   COALESCE(LEAD(ts) OVER (PARTITION BY unit ORDER BY ts), 9223372036854775807) AS e
            FROM ev WHERE type = 'state'
        ),
        unit_time AS (
            SELECT unit, category, SUM(GREATEST(0, LEAST(e, $hi) - GREATEST(s, $lo))) / 1000.0 AS seconds
            FROM states WHERE s < $hi AND e > $lo GROUP BY unit, category
        ),
        unit_qty AS (
            SELECT unit, SUM(good) AS good, SUM(scrap) AS scrap, SUM(rework) AS rework
            FROM ev WHERE type = 'count' AND ts >= $lo AND ts < $hi GROUP BY unit
        ),
        per_unit AS (
            SELECT t.unit, t.category, t.seconds, q.good, q.scrap, q.rework
            FROM unit_time t LEFT JOIN unit_qty q USING (unit)
        ),
        prefixes AS (
            SELECT array_to_string(list_slice(string_split(unit, '/'), 1, d), '/') AS scope, category, seconds,
                   good, scrap, rework
            FROM per_unit, range(1, 6) r(d)
        )
        SELECT scope, category, SUM(seconds), SUM(good), SUM(scrap), SUM(rework)
        FROM prefixes GROUP BY scope, category
        """,
        {"lo": lo, "hi": hi},
    ).fetchall()
    elapsed = time.perf_counter() - started
    print(f"rows {len(rows)}")
    print(f"seconds {elapsed}")


if __name__ == "__main__":
    main()
