"""CivicPact's date and number formats per language (settings.FORMAT_MODULE_PATH).

Django reads `civicpact/formats/<language>/formats.py` before its own format module for the language, so only the
formats we want to differ from Django's are named here. Templates use the names, never the patterns:
``{{ when|date:"DATE_FORMAT" }}``, ``{{ when|date:"DATETIME_FORMAT" }}``; Python uses
``django.utils.formats.date_format(when, "DATE_FORMAT")``.
"""
