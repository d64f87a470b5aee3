"""Intake: submission packages (folder, inbox bucket, IMAP) → files with roles, parsed forms, findings.

Each module has one purpose; `package.analyse` puts them together for one package. Nothing here
imports Prefect or `flows/`.
"""
