"""Tactful: checks customer-service replies against service norms written as rules, and suggests rewrites."""

__version__ = "0.1.0"
