"""The standard: ruleset versions and their life cycle, drafts, lint, and the impact of a change on a population."""
