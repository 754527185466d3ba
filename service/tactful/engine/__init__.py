"""The checking engine: pure functions from (ruleset, text, context) to a Result."""

from tactful.engine.check import check
from tactful.engine.rewrite import apply_edits, choose_edits

__all__ = ["apply_edits", "check", "choose_edits"]
