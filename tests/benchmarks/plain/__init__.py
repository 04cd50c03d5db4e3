"""The floor `test_api_overhead` measures the API against: plain Django + DRF, no auth, flat output.

Served by gunicorn with two sync workers and its own settings (`tests.benchmarks.plain.settings`):
the same tickets, read and written with the same SQL statements as the API, and nothing else.
"""
