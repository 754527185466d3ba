"""Generated gRPC stubs for the tactful.v1 API (from proto/tactful/v1; regenerate with proto/generate.sh, never edit)."""
