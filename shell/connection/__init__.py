"""Connections the shell runs statements through; each adapts its results into ``shell.output.result``."""
