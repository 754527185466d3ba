"""`python -m tactful` runs the CLI."""

from tactful.cli.main import main

raise SystemExit(main())
