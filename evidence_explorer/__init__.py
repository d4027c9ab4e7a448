"""Evidence Explorer: a static-site generator for evidence syntheses."""

__version__ = "0.1.0"
