"""The service layer around the scoring engine, grouped by what it serves: the standard (``jifen.standard``),
scoring and stored scores (``jifen.scoring``), applications and their calendar (``jifen.applications``), access
(``jifen.access``) and the database (``jifen.store``); the command-line interface in ``jifen.cli``.

The application itself is composed in the top-level module ``application``, which nothing here imports."""
