"""Composition: nodes (storage + schema + query processing) and clusters of them."""
