"""The device's lifecycle and its evidence (diagnosis, erasure, repair, OS, QA): issue 3."""
