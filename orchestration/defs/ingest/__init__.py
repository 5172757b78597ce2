"""One asset per ingest source (``raw.<source>``) and the landing-folder sensor."""
