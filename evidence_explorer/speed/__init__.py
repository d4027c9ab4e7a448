"""Accelerators only: parallel workers, caches, the up-to-date check. A build is correct without them."""
