"""One reader per letter format (PDF, DOCX, HTML, text): bytes in, page texts out."""
