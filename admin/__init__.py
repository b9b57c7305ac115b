"""Administration console (Flask-Admin views)."""
