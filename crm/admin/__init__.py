"""The admin area: plugins, generated settings pages, people, audit log. Admins only."""
