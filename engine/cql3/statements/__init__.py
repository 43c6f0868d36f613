"""Executable statements, one module per family (schema changes, modifications, batches, selects)."""
