"""The web playground: a local page where a rule author edits a pack, sees its compile errors and
example results, and checks and explains replies against it (`tactful playground`)."""
