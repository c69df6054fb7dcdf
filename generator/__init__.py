"""cimis: validated, cross-linked knowledge site of CROSS INNOVATION MADE IN SAXONY."""
