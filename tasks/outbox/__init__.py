"""The outbox: messages for submitters and experts, drafted from the catalogue's state, sent from
the contest's mailbox only after a person approved them, each at most once."""
