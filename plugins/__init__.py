"""The built-in plugins; each is discovered through the ``crm.plugins`` entry points like a third party's."""
