"""crimelink: intelligence platform for organised retail crime."""
