"""Tests of the generator: loading, building, rendering, writing, the command line."""
