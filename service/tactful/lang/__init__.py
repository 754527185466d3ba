"""The rule language: grammar loading, AST, parser, diagnostics."""
