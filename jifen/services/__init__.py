"""The service layer: every change to rulesets, users and scores goes through these functions, so the rules
(immutability, roles, audit) are enforced in one place for the console, the API and the CLI alike."""
