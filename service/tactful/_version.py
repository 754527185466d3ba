"""The package version (its own module so the compiler can stamp ruleset hashes without importing the facade)."""

__version__ = "0.1.0"
