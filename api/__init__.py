"""JSON API for other systems (blueprints, schemas, error handlers)."""
