"""Tools for the people who write content: scaffolds, JSON Schemas, YAML edits, the format reference."""
