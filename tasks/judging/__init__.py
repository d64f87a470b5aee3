"""Judging (notice 六): eligibility, originality, experts, assignment, packets, scores, ranking, the list.

Pure rules and thin file/catalogue helpers; no Prefect here (the flows live in `flows/judging.py`).
"""
