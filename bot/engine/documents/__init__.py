"""Stage one: documents as files become paragraph blocks (reading each format)."""
