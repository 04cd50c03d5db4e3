"""`manage.py pgstat report` finds the plans auto_explain wrote in the server log."""

from config.management.commands.pgstat import logged_plans, outline, statement_shape

# As PostgreSQL's stderr log holds them: a message's further lines start with a tab.
SERVER_LOG = """\
2026-12-01 16:00:00.000 UTC [81] postgres@test_sf LOG:  duration: 0.051 ms  plan:
\t{
\t  "Query Text": "SELECT version FROM t WHERE key = 'T-1' AND n IN (1, 2) AND gone IS NULL",
\t  "Plan": {"Node Type": "Index Scan", "Actual Rows": 1}
\t}
2026-12-01 16:00:00.002 UTC [81] postgres@test_sf LOG:  connection authorized: user=postgres
2026-12-01 16:00:00.003 UTC [82] postgres@test_sf LOG:  duration: 0.010 ms  plan:
\t{ "Plan": {"Node Type": "Result"} }
"""
NORMALIZED = "SELECT version FROM t WHERE key = $1 AND n IN ($2, $3) AND gone IS NULL"


def test_a_normalized_statement_finds_the_plan_its_run_logged():
    plans = logged_plans(SERVER_LOG.splitlines())

    assert list(plans) == [statement_shape(NORMALIZED)]
    assert plans[statement_shape(NORMALIZED)]["Plan"]["Node Type"] == "Index Scan"


def test_a_plan_is_outlined_node_by_node_with_its_rows_time_and_buffers():
    plan = {
        "Node Type": "Limit",
        "Actual Rows": 50,
        "Actual Loops": 1,
        "Actual Total Time": 0.4,
        "Shared Hit Blocks": 9,
        "Shared Read Blocks": 0,
        "Plans": [{"Node Type": "Index Scan", "Relation Name": "t", "Index Name": "t_recent"}],
    }

    assert outline(plan) == [
        "-> Limit (rows=50 loops=1 time=0.4 ms hit=9 read=0)",
        "  -> Index Scan on t using t_recent "
        "(rows=None loops=None time=None ms hit=None read=None)",
    ]
