"""Health checks: the condition language, one probe, the monitor that schedules and judges them."""
