"""What the pages and the API show, computed once for both.

Each service is a keyword-only function, session first, returning a pydantic model: the JSON
twin serialises it as it is, and the HTML page renders the same object.
"""
