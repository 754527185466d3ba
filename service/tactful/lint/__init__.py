"""`tactful lint`: check a library of reply scripts (txt, md, csv/tsv, json/jsonl, yaml) like source code.

The package never imports the CLI: `tactful.cli.lint_cmd` parses flags and calls `run.lint_paths`.
"""
