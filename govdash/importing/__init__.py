"""Importing people's spreadsheets: the template they fill in, and reading what they upload.

`spec` describes the template (data/import_template.toml), `template` writes it as .xlsx and
`readers` turns an uploaded .xlsx or .csv into string-only sheets for the validator.
"""
