"""Operations on submissions, shared by the flows, the deployments and the command line: taking
packages in (`tasks.submissions.intake`) and what an operator does to works already taken in
(`tasks.submissions.service`). The rules live in `tasks.intake`, `tasks.decisions` and the
catalogue; these modules open what they need from `Settings` and return plain values."""
