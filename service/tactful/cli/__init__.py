"""Command-line adapters: one module per subcommand."""
