"""CSV imports beyond social (NPS surveys, CRM customers and orders, tickets, identity mappings) and erasure."""

from listener.imports.records import IMPORT_KINDS
from listener.imports.save import ImportResult, import_file, parse_file
from listener.imports.table import ImportFileError

__all__ = ["IMPORT_KINDS", "ImportFileError", "ImportResult", "import_file", "parse_file"]
