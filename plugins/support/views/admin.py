"""Support pages: admin."""
