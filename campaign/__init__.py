"""Campaign: contests and their content, imports, the annotate flow, organiser pages, API."""
