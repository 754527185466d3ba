"""Transcript QA audit: every agent turn of finished conversations checked in context, scored per
conversation and per agent, reported as JSONL, CSV and a self-contained HTML page."""
