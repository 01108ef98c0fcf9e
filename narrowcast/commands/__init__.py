"""The `narrowcast` command line: one module per command, heavy imports inside."""
