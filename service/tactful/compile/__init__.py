"""Compiler: rule files -> validated, lowered, immutable rulesets."""
