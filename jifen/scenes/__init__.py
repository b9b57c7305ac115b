"""Scenes (场景): the public services points entitle to — a threshold, a quota, a ranking — and their lists.

``definition`` reads a scene's file; ``drafts`` stores and edits it; ``basis`` finds the published and valid
scores of its year at its cut-off date; ``ranking`` ranks them (pure); ``listing`` reads a list with its reasons
and, once published, its flags; ``freezing`` publishes, hashes and verifies; ``whatif`` shows thresholds and
draft standards at work. The CLI, the console, the API and the public pages call these, nothing else.
"""
