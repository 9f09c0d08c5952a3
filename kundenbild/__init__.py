"""The assembled program: the one place where the areas are wired together."""
