"""The work of guangying: each stage is plain typed functions plus thin Prefect task wrappers."""
