"""The core: read, validate and link an evidence base. Imports nothing above it (see docs/architecture.md)."""
