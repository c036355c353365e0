"""An extraction module that cannot be imported, as after a broken install (lxml 5.2 split
``lxml.html.clean`` into its own package: without it trafilatura's import fails)."""

raise ImportError("lxml.html.clean module is now a separate project lxml_html_clean")
