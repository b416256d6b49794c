"""Routes, one module per page area. Each page route and its JSON twin call the same service."""
