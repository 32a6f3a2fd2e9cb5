"""The load benchmark: a data generator, the floor view and the runner.

Run it with ``make bench`` (``make bench ARGS=--articles=100000`` for the large site).
"""
