"""The public snapshot: builder, disk copy, static export and every renderer."""
