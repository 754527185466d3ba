"""Runs the examples embedded in rules, as tests (OPA-style: policies are tested code)."""

from tactful.tester.runner import ExampleOutcome, context_of, run_examples

__all__ = ["ExampleOutcome", "context_of", "run_examples"]
