"""The performance regime and its money: pure code (see docs/performance-regime.md)."""
