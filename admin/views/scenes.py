"""The console's scenes (场景): publishers edit and publish them; everyone reads their lists (a department user,
their own department's); each list downloads as an Excel workbook."""

from __future__ import annotations

from admin.words import names

# what each outcome and flag means, shown under a list
OUTCOMES = names("scene_reasons")
FLAGS = names("scene_flags")
VOID_REASONS = names("scene_void_reasons")
