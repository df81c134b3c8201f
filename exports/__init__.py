"""File writers (CSV, XLSX, PDF, QR images): no Flask here, bytes and rows in, bytes out."""
