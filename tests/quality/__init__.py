"""Independent quality gates: Nu Html Checker, link checker, axe-core (helpers for tests/test_quality_*)."""
