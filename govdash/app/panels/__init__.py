"""One module per page (overview, districts, community, activities, outcomes, data, import_page),
plus `shared` for the panels several pages use."""
