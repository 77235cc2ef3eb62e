"""Campaign: contests and their content, imports, the annotate flow, the campaign's pages."""
