"""The website: page specs (views/), Markdown, templates, figures, the search index, writing and publishing."""
