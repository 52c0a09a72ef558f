"""careboard's data layer: schema, connections, migrations, import/export and the demo practice."""
