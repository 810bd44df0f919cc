"""Support pages: new_ticket."""
