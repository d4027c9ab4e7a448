"""Regenerate studies.xlsx (run: python tests/import_samples/make_xlsx.py). The committed .xlsx is the sample;
this script documents what is in it."""
import datetime
from pathlib import Path

import openpyxl

book = openpyxl.Workbook()
sheet = book.active
sheet.title = "Included studies"
sheet.append(["Study ID", "Lead author", "Publication year", "Article title", "Journal", "Aim(s)", "Country",
              "Relevance", "Rigour", "Notes"])
sheet.append(["S1", "Turner A", 2018.0, "Integrated care in\nEnglish general practice", "Br J Gen Pract",
              "To describe\nintegration", "England\nWales", "High", "Moderate", "Checked against full text."])
sheet.append([None] * 10)
sheet.append(["S2", "World Health Organization", datetime.datetime(2016, 1, 1), "Framework on integrated, "
              "people-centred health services", None, None, "International", "Moderate", "low", None])
sheet.append(["S3", "Lee AB", 2021, "Care navigators: a realist evaluation", "Health Soc Care Community",
              "• To explain how\n• navigators work", "Scotland", "High", "excellent", None])
book.create_sheet("Excluded")
book.save(Path(__file__).with_name("studies.xlsx"))
