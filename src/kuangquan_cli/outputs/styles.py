"""The look shared by the workbooks kq writes (the template, the annotated copy, the merged workbook).

Colours are RGB hex without ``#``, as openpyxl wants them; XlsxWriter is given ``#`` + the same.
"""

from __future__ import annotations

#: Header rows: Excel's light blue (Blue, Accent 1, Lighter 80%).
HEADER_FILL = "DDEBF7"
#: Dates as the ledgers write them: 2022-09-25.
DATE_FORMAT = "yyyy-mm-dd"
