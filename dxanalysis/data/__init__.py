"""Stage 2, the data: reading and checking input files, harmonising onto the 34 provinces, the 766 index, units."""
