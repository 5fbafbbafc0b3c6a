"""Reading a workbook: file formats, reading limits, and finding the ledger table in a sheet."""
