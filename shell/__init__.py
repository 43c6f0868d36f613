"""cqlkit's cqlsh: the interactive shell, its commands, connections and cqlsh-exact output rendering."""
