"""Staff: their accounts, sign-in and sessions, API tokens, and the roles they hold."""
