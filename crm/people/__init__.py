"""People the CRM knows: staff users, roles, departments, companies and contacts."""
