"""The SLA engine: SQL over the month's interval rows (see docs/performance-regime.md)."""
