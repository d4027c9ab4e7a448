"""Build the site: ``python build.py [COMMAND] [OPTIONS]`` (same as ``evidence-explorer``)."""
from evidence_explorer.cli import run
run()
