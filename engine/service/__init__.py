"""Coordination: the storage proxy that routes a statement's reads and writes to replicas."""
