"""Tests of the runtime copied into every generated package (templates/runtime)."""
