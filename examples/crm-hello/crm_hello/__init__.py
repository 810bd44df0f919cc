"""crm-hello: an example third-party plugin that greets staff on a page of its own."""
