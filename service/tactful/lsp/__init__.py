"""The .tact language server (`tactful lsp`, extra `tactful[lsp]`): diagnostics, hover, definition, completion."""
