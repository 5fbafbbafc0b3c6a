"""Files kq writes for people: the annotated copy, the blank template, the merged workbook."""
