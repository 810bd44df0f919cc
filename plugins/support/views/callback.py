"""Support pages: callback."""
