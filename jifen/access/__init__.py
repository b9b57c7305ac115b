"""Who may do what: users and roles, API keys, login throttling, departments, and the audit log."""
