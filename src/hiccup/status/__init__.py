"""Events -> component status, incidents and notices: read, decide purely, write."""
