"""Scoring with the versions in force, stored scores and their chains, and the checks on an application's claims."""
