"""crm-hello: an example plugin for the CRM support desk (see README.md)."""
