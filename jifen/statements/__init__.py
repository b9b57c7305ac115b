"""Signed statements of published scores (issue 21): the keys that sign them, their claims, signing at
publication, and verification — of the signature against a JWKS, and of the result's current status here."""
