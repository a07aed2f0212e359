"""Scheduled jobs: the periodic work of every app (the log's sequencer, the monitoring rule clock,
the daily reminders, ...) run by one supervised process, `jiliang jobs` (docs/operations.md)."""
