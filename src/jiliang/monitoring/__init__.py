"""Remote supervision (非现场监管): device data in, early warnings out. See docs/monitoring.md."""
