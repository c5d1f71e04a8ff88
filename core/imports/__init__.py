"""The spreadsheet import of candidacies: a whole file of them, checked like the form.

This package owns the spreadsheet's columns and how their headers are recognised
(`columns`), the CSV and Excel templates (`template`), reading a CSV or XLSX file within its
limits (`reader`), turning a row into a candidacy checked with the form's rules (`rows`),
planning an import — every rule for every row, and the preview report — (`plan`) and
writing it in a few set-based statements (`write`). What a row's save writes is the form's
one write path, core.candidacies.saving.
"""
