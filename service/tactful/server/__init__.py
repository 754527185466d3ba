"""The gRPC checking service: `tactful serve` (app), proto translation (servicer), reloads, metrics, logs."""
