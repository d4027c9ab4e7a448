"""The commands the CLI registers (new, schema, init, import): thin functions over the library."""
