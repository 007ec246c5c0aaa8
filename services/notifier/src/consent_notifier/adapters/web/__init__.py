"""The employee's pages (Dutch, server-rendered): the worklist, a request, the registry, the
session and its form token, the page's words and templates."""
