"""The resident's access report as HTML and PDF: its sections, its Dutch words and its template."""
