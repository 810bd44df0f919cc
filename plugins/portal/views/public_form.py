"""Portal pages (being built)."""
