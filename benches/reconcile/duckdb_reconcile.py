"""The SQL equivalent of `offboard reconcile` on a generated repository, in DuckDB.

Usage: python3 duckdb_reconcile.py DIR THREADS

Reads DIR/hr.csv, DIR/inventory.csv, DIR/glossary.csv and DIR/role_matrix.csv (written by the
generator), joins them with the same rules as `offboard reconcile` (anti-join for holders HR
does not know, status join for orphans and suspend expected, anti-join against the role matrix
for excess), and writes the findings in the same order and columns to DIR/duckdb.csv. Prints
the seconds the query took and the number of findings.
"""

import sys
import time

import duckdb

NOW = "2026-11-30 12:00:00"

QUERY = """
COPY (
WITH people AS (
    SELECT h.employee_id, g.status, h.role, h.new_role,
           CAST(h.effective_at AS TIMESTAMP) AS eff
    FROM read_csv('@DIR@/hr.csv', header = true, all_varchar = true) AS h
    JOIN read_csv('@DIR@/glossary.csv', header = true, all_varchar = true) AS g
      ON g.code = h.status
),
inv AS (
    SELECT * FROM read_csv('@DIR@/inventory.csv', header = true, columns = {
        'system': 'VARCHAR', 'account': 'VARCHAR', 'employee_id': 'VARCHAR',
        'entitlement_type': 'VARCHAR', 'entitlement': 'VARCHAR',
        'monthly_cost_cents': 'BIGINT'})
),
matrix AS (
    SELECT * FROM read_csv('@DIR@/role_matrix.csv', header = true, all_varchar = true)
),
roles AS (SELECT DISTINCT role FROM matrix),
s AS (
    SELECT i.*, p.employee_id IS NOT NULL AS known,
           (p.eff IS NULL OR p.eff <= TIMESTAMP '@NOW@') AS in_force,
           CASE WHEN p.eff IS NULL OR p.eff <= TIMESTAMP '@NOW@' THEN p.status
                ELSE 'active' END AS st,
           CASE WHEN (p.eff IS NULL OR p.eff <= TIMESTAMP '@NOW@')
                     AND p.status = 'transferred' AND p.new_role IS NOT NULL
                THEN p.new_role ELSE p.role END AS eff_role,
           CAST(floor((epoch(TIMESTAMP '@NOW@') - epoch(p.eff)) / 86400) AS BIGINT) AS days
    FROM inv AS i LEFT JOIN people AS p ON p.employee_id = i.employee_id
),
k AS (
    SELECT s.*,
           CASE
             WHEN NOT s.known THEN
               CASE WHEN s.system = 'sso' AND s.account LIKE 'svc-%' THEN NULL
                    ELSE 'unknown_holder' END
             WHEN s.st IN ('terminated', 'resigned', 'contractor_ended') THEN 'orphan'
             WHEN s.st = 'on_leave' AND s.entitlement_type = 'account' THEN 'suspend_expected'
             WHEN s.entitlement_type = 'account' THEN NULL
             WHEN r.role IS NULL THEN NULL
             WHEN m.role IS NULL THEN 'excess'
             ELSE NULL
           END AS kind
    FROM s
    LEFT JOIN roles AS r ON r.role = s.eff_role
    LEFT JOIN matrix AS m
      ON m.role = s.eff_role AND m.entitlement_type = s.entitlement_type
         AND m.entitlement = s.entitlement
)
SELECT kind, system, account, employee_id,
       CASE WHEN known THEN st END AS hr_status,
       CASE WHEN kind = 'excess' THEN eff_role END AS role,
       entitlement_type, entitlement, monthly_cost_cents,
       CASE WHEN kind IN ('orphan', 'suspend_expected') THEN days END AS days_orphaned,
       NULL AS last_sign_in, NULL AS days_dormant
FROM k
WHERE kind IS NOT NULL
ORDER BY CASE kind WHEN 'orphan' THEN 0 WHEN 'unknown_holder' THEN 1
                   WHEN 'suspend_expected' THEN 2 ELSE 3 END,
         system, account,
         CASE entitlement_type WHEN 'account' THEN 0 WHEN 'group' THEN 1 ELSE 2 END,
         entitlement
) TO '@DIR@/duckdb.csv' (HEADER, DELIMITER ',');
"""


def main() -> None:
    directory, threads = sys.argv[1], int(sys.argv[2])
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    start = time.perf_counter()
    con.execute(QUERY.replace("@DIR@", directory).replace("@NOW@", NOW))
    elapsed = time.perf_counter() - start
    count = con.execute(
        f"SELECT count(*) FROM read_csv('{directory}/duckdb.csv', header = true)"
    ).fetchone()[0]
    print(f"duckdb_query_seconds={elapsed:.3f} findings={count}")


if __name__ == "__main__":
    main()
