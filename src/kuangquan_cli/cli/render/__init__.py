"""Terminal rendering with rich, kept apart from the data it renders."""
