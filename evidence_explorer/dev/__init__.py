"""The development server: watching, incremental rebuilds, page dependencies, proportional relinking."""
