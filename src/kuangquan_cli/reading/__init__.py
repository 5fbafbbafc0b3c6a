"""Reading a workbook: file formats, reading limits, the inspection that holds a workbook to them
before it is parsed, and finding the ledger table in a sheet."""
