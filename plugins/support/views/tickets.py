"""Support pages: tickets."""
