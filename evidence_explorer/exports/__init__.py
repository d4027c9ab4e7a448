"""Machine-readable downloads written by every build: data, tables, references, the advisory sheet."""
